//! One SyncML DS 1.2 sync of an account, on the shared engine.
//!
//! 1. Package 1: our DevInf (Put) and a sync Alert with anchors: 200 two-way, 201 slow when
//!    there are no anchors (or the user asks); the server's answer may force another mode
//!    (508 → slow).
//! 2. Package 3: our changes ([`outgoing`]): device changes since the last sync, or in a
//!    slow sync every event as a Replace; LUID = store row id.
//! 3. Package 4: the server's changes ([`incoming`]) become a [`ServerScan`](crate::sync::plan::ServerScan); the shared
//!    plan, pairing, guard and backup run; device writes are applied (`execute`).
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

use super::detect::scan_device;
use super::plan::{plan, Action};
use super::report::{HoldReason, SyncReport, SyncStatus};
use super::{guard, pairing, SyncContext};
use crate::device::DeviceCalendar;
use crate::remote::http::{HttpClient, HttpConfig};
use crate::remote::syncml::auth::AuthType;
use crate::remote::syncml::build::alert_code;
use crate::remote::syncml::session::{Session, SessionConfig, CLIENT_MAX_OBJ_SIZE};
use crate::remote::syncml::SyncMlFormat;
use crate::remote::syncml::{Alert, Command, DataStore, DevInf, Encoding, Map, Status, SyncMl};
use crate::store::{Account, JournalEntry, JournalKind, JournalState, SqliteStore, SyncMlState};
use crate::{Error, Result};
use outgoing::{OutKind, Outgoing};
use std::collections::HashMap;
use std::time::Instant;

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
    let started = Instant::now();
    let started_at = crate::store::now_secs();
    let mut report = SyncReport::new(&account.name);
    let mut stats = None;
    let result = run(
        store,
        account,
        password,
        device,
        opts,
        mode.unwrap_or(SyncMode::TwoWay),
        &mut report,
        &mut stats,
    );
    crate::sync::finish(
        store, account, opts, started, started_at, report, stats, result,
    )
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

/// Holds a plan back (nothing applied) when a safety check says so and the user did not
/// confirm. Returns true when held.
fn hold(
    report: &mut SyncReport,
    opts: &SyncContext<'_>,
    reason: Option<HoldReason>,
    planned: impl FnOnce() -> Vec<crate::sync::PlannedChange>,
) -> bool {
    match reason {
        Some(reason) if !opts.confirmed => {
            report.plan = Some(planned());
            report.hold = Some(reason);
            report.status = SyncStatus::NeedsConfirmation;
            true
        }
        _ => false,
    }
}

/// Runs the sync, then the sessions a recovery needs: after an interrupted session whose
/// resume the server refused, a refresh from the server (what its lost package held) and,
/// when some of our additions had no twin there, a two-way sync sending them.
#[allow(clippy::too_many_arguments)]
fn run(
    store: &mut SqliteStore,
    account: &Account,
    password: &str,
    device: &mut dyn DeviceCalendar,
    opts: &SyncContext<'_>,
    mode: SyncMode,
    report: &mut SyncReport,
    stats: &mut Option<crate::remote::http::HttpStats>,
) -> Result<()> {
    let mut mode = mode;
    let mut recovering = false;
    for _ in 0..3 {
        let mut one = None;
        let next = run_once(
            store, account, password, device, opts, mode, recovering, report, &mut one,
        );
        if let Some(one) = one {
            let total = stats.get_or_insert_with(Default::default);
            total.requests += one.requests;
            total.bytes_sent += one.bytes_sent;
            total.bytes_received += one.bytes_received;
        }
        match next? {
            Some(m) if report.status == SyncStatus::Ok && report.errors.is_empty() => {
                log::info!("SyncML: recovery continues with mode {}", m.code());
                mode = m;
                recovering = true;
            }
            _ => return Ok(()),
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn run_once(
    store: &mut SqliteStore,
    account: &Account,
    password: &str,
    device: &mut dyn DeviceCalendar,
    opts: &SyncContext<'_>,
    mode: SyncMode,
    recovering: bool,
    report: &mut SyncReport,
    stats: &mut Option<crate::remote::http::HttpStats>,
) -> Result<Option<SyncMode>> {
    let cal = store.read().calendar_state(account.id)?;
    let mut state = state_of(store, account)?;

    // A replaced device calendar is a reset: forget the device side, pull from the server
    // in a slow sync (which never deletes anything).
    let mut mode = mode;
    let device_calendar_id = device.calendar_id()?;
    if cal.device_calendar_id.as_deref() != Some(device_calendar_id.as_str()) && !opts.dry_run {
        if cal.device_calendar_id.is_some() {
            log::warn!("the local calendar was replaced: pulling from the server");
            super::caldav::forget_device_side(store, cal.id)?;
            if mode == SyncMode::TwoWay {
                mode = SyncMode::Slow;
            }
        }
        store
            .read()
            .set_device_calendar_id(cal.id, &device_calendar_id)?;
    }
    if state.local_anchor.is_none() && mode == SyncMode::TwoWay {
        mode = SyncMode::Slow;
    }

    let items = store.read().items(cal.id)?;
    opts.progress.phase("scan", 0);
    let device_scan = scan_device(device, &items)?;
    for (id, msg) in &device_scan.unreadable {
        report.errors.push(format!("local event {id}: {msg}"));
    }
    opts.interrupt.check()?;

    // Our deletions are checked before anything is sent.
    let sends_changes = matches!(
        mode,
        SyncMode::TwoWay
            | SyncMode::OneWayFromClient
            | SyncMode::Slow
            | SyncMode::RefreshFromClient
    );
    if matches!(mode, SyncMode::TwoWay | SyncMode::OneWayFromClient) {
        let deletes: Vec<Action> = device_scan
            .deleted
            .iter()
            .filter(|r| items.iter().any(|i| i.id == **r && i.href.is_some()))
            .map(|r| Action::DeleteOnServer {
                row: *r,
                etag: None,
            })
            .collect();
        if opts.dry_run {
            report.plan = Some(local_plan(&device_scan, &deletes, &items));
            return Ok(None);
        }
        let reason = guard::check(
            &deletes,
            &account.settings,
            items.len(),
            device_scan.total,
            None,
        );
        let planned = || deletes.iter().filter_map(|a| a.describe(&items)).collect();
        if hold(report, opts, reason, planned) {
            return Ok(None);
        }
    } else if opts.dry_run {
        report.plan = Some(local_plan(&device_scan, &[], &items));
        return Ok(None);
    }

    let encoding = if state.wbxml {
        Encoding::Wbxml
    } else {
        Encoding::Xml
    };
    let http = HttpClient::new(HttpConfig {
        max_body: 32 * 1024 * 1024,
        ..HttpConfig::new("", "")
    })?;
    let config = SessionConfig {
        url: account.server_url.clone(),
        device_id: state.device_id.clone(),
        username: account.username.clone(),
        auth: state.auth,
        nonce: state.nonce.clone(),
        encoding,
        max_msg_size: state.max_msg_size,
    };
    let mut session = Session::new(http, config, password, devinf(&state));
    let result = run_session(
        store,
        account,
        device,
        opts,
        mode,
        sends_changes,
        &mut state,
        &items,
        device_scan,
        report,
        &mut session,
        recovering,
    );
    // Interrupted on request during a session: tell the server we suspend (Alert 224), so
    // it can keep the session for a resume; the journal and resume state are already saved.
    if matches!(result, Err(Error::Interrupted)) && session.started() {
        if let Err(e) = session.suspend(&state.server_uri, LOCAL_URI) {
            log::info!("SyncML: the suspend alert did not go through: {e}");
        }
    }
    *stats = Some(session.http().stats());
    // The nonce and the auth type that worked are kept whatever happened.
    if session.nonce().is_some() || session.auth_type() != AuthType::None {
        store
            .read()
            .set_syncml_auth(state.calendar_id, session.auth_type(), session.nonce())?;
    }
    result
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

#[allow(clippy::too_many_arguments)]
fn run_session(
    store: &mut SqliteStore,
    account: &Account,
    device: &mut dyn DeviceCalendar,
    opts: &SyncContext<'_>,
    mode: SyncMode,
    sends_changes: bool,
    state: &mut SyncMlState,
    items: &[crate::store::ItemRecord],
    device_scan: super::detect::DeviceScan,
    report: &mut SyncReport,
    session: &mut Session,
    recovering: bool,
) -> Result<Option<SyncMode>> {
    let next_anchor = crate::store::now_secs().to_string();
    // After a session whose last package went unanswered, the server may have committed
    // its Next anchor: try it. If it did not, the server asks for a slow sync, expected then.
    let last = if mode == SyncMode::Slow || mode == SyncMode::RefreshFromClient {
        None
    } else {
        state
            .pending_anchor
            .as_deref()
            .or(state.local_anchor.as_deref())
    };

    // A session interrupted after our changes went out is resumed (Alert 225) with its mode
    // and its Next anchor, unless the user asked for another mode.
    let resume = match (state.resume_mode, state.resume_next.clone()) {
        (Some(code), Some(next)) if matches!(mode, SyncMode::TwoWay | SyncMode::Slow) => {
            Some((code, next))
        }
        (None, None) => None,
        _ => {
            store.read().set_syncml_resume(state.calendar_id, None)?;
            None
        }
    };
    let next_anchor = resume.as_ref().map(|r| r.1.clone()).unwrap_or(next_anchor);
    let last = if resume.as_ref().is_some_and(|r| r.0 == alert_code::SLOW) {
        None
    } else {
        last
    };

    // Package 1: DevInf and the Alert.
    let put = Command::Put(crate::remote::syncml::PutGet::put_devinf(
        0,
        session.version(),
        devinf(state),
        session.encoding(),
    ));
    let alert = Command::Alert(Alert::sync(
        0,
        if resume.is_some() {
            alert_code::RESUME
        } else {
            mode.code()
        },
        &state.server_uri,
        LOCAL_URI,
        last,
        &next_anchor,
        Some(CLIENT_MAX_OBJ_SIZE),
    ));
    let replies = session.package(vec![put, alert])?;
    let (server_alert, alert_status) = find_server_alert(&replies, session, LOCAL_URI)?;
    let mut server_mode = server_alert.code;
    log::info!("SyncML: asked {}, server alerts {server_mode}", mode.code());
    let journal = if resume.is_some() {
        store.read().journal(state.calendar_id)?
    } else {
        Vec::new()
    };
    let mut resumed = false;
    let mut refused = false;
    if let Some((code, _)) = &resume {
        if server_mode == alert_code::RESUME
            || (server_mode == *code && alert_status.is_none_or(|s| s < 300))
        {
            log::info!("SyncML: the server resumes the interrupted session ({code})");
            server_mode = *code;
            resumed = true;
        } else {
            // Refused (508, 509 or another mode): the old session is gone; run what the
            // server alerted, a slow sync pairing rather than duplicating.
            log::info!(
                "SyncML: the server refused to resume (status {alert_status:?}, mode \
                 {server_mode}): wiping the resume state"
            );
            store.read().set_syncml_resume(state.calendar_id, None)?;
            refused = true;
        }
    }
    if mode == SyncMode::OneWayFromClient && !matches!(server_mode, 202 | 203) {
        return Err(Error::Protocol(format!(
            "the server wants to write to the local calendar (mode {server_mode}) in a \
             one-way-from-client sync: refused"
        )));
    }
    let forced_slow = server_mode == alert_code::SLOW && mode != SyncMode::Slow;
    if forced_slow && (state.pending_anchor.is_some() || resume.is_some()) {
        log::info!("slow sync after a session whose end went unanswered: expected");
    } else if forced_slow {
        let reason = (!items.is_empty()).then_some(HoldReason::ServerReset {
            known: items.len() as u64,
        });
        if hold(report, opts, reason, Vec::new) {
            return Ok(None);
        }
    }

    // Package 3: our changes.
    opts.interrupt.check()?;
    let changes: Vec<Outgoing> = if !sends_changes || matches!(server_mode, 204 | 205) {
        Vec::new()
    } else if matches!(server_mode, 201 | 203) {
        outgoing::everything(store, state.calendar_id, items, device)?
    } else {
        outgoing::incremental(store, state.calendar_id, items, &device_scan, device)?
    };
    // Additions of the interrupted session that were never acknowledged may be on the
    // server already (without a Map): in a normal sync after a refused resume they are held
    // back, paired by UID with what the server sends, and sent later if it has no twin.
    let changes: Vec<Outgoing> = if refused && server_mode == alert_code::TWO_WAY {
        let held: std::collections::HashSet<&str> = journal
            .iter()
            .filter(|e| e.state == JournalState::Sent && e.kind == JournalKind::Add)
            .map(|e| e.luid.as_str())
            .collect();
        changes
            .into_iter()
            .filter(|c| !(c.kind == OutKind::Add && held.contains(c.row.to_string().as_str())))
            .collect()
    } else {
        changes
    };
    let changes: Vec<Outgoing> = if resumed {
        let done: std::collections::HashSet<String> = store
            .read()
            .journal(state.calendar_id)?
            .into_iter()
            .filter(|e| matches!(e.state, JournalState::Acked | JournalState::Mapped))
            .map(|e| e.luid)
            .collect();
        changes
            .into_iter()
            .filter(|c| !done.contains(&c.row.to_string()))
            .collect()
    } else {
        changes
    };
    // The journal, before the POST: what goes, in which message; the session can be
    // resumed from here on.
    let msg_id = session.next_msg_id();
    store.write(|tx| {
        tx.set_syncml_resume(state.calendar_id, Some((server_mode, &next_anchor)))?;
        tx.journal_put(
            state.calendar_id,
            &changes
                .iter()
                .map(|c| JournalEntry {
                    luid: c.row.to_string(),
                    kind: c.kind,
                    state: JournalState::Sent,
                    msg_id: Some(msg_id),
                    status: None,
                })
                .collect::<Vec<_>>(),
        )
    })?;
    let vcal = state.format == SyncMlFormat::VCalendar;
    let mut package = vec![outgoing::sync_command(
        &changes,
        &state.server_uri,
        LOCAL_URI,
        vcal,
    )?];
    let pending = store.read().pending_maps(state.calendar_id)?;
    if !pending.is_empty() {
        package.push(map_command(state, &pending));
    }
    opts.progress.phase("upload", changes.len() as u64);
    let replies = session.package(package)?;

    // Statuses of our changes.
    let by_luid: HashMap<String, &Outgoing> =
        changes.iter().map(|c| (c.row.to_string(), c)).collect();
    let mut acked = Vec::new();
    let mut journal = Vec::new();
    let mut map_acked = false;
    for m in &replies {
        for cmd in &m.body.commands {
            let Command::Status(s) = cmd else { continue };
            match s.cmd.as_str() {
                // 213: a Large Object chunk arrived; the last chunk gets the real answer.
                "Add" | "Replace" | "Delete" if s.code != 213 => {
                    for luid in &s.source_refs {
                        if let Some(o) = by_luid.get(luid) {
                            journal.push(JournalEntry {
                                luid: luid.clone(),
                                kind: o.kind,
                                state: JournalState::Acked,
                                msg_id: Some(msg_id),
                                status: Some(s.code),
                            });
                            if outgoing::accepted(o.kind, s.code) {
                                acked.push(*o);
                                // 201 to a Replace (slow sync) is an addition.
                                match (o.kind, s.code) {
                                    (OutKind::Delete, _) => report.server.deleted += 1,
                                    (_, 201) | (OutKind::Add, _) => report.server.added += 1,
                                    _ => report.server.updated += 1,
                                }
                            } else {
                                let what = o
                                    .device
                                    .as_ref()
                                    .map(|d| d.event.uid.to_string())
                                    .unwrap_or_else(|| format!("item {luid}"));
                                if outgoing::transient(s.code) {
                                    // Not recorded as sent: the next sync sends it again;
                                    // the session itself went through.
                                    report.warnings.push(format!(
                                        "the server could not take {} of {what} now (status \
                                         {}); it is sent again at the next sync",
                                        s.cmd, s.code
                                    ));
                                } else {
                                    report.errors.push(format!(
                                        "the server refused {} of {what} (status {})",
                                        s.cmd, s.code
                                    ));
                                }
                            }
                        }
                    }
                }
                "Map" if (200..300).contains(&s.code) => map_acked = true,
                _ => {}
            }
        }
    }
    if map_acked {
        store.read().clear_pending_maps(state.calendar_id)?;
    }
    outgoing::record(store, state.calendar_id, items, &acked)?;
    store.read().journal_put(state.calendar_id, &journal)?;
    opts.progress.advance(changes.len() as u64);

    // Package 4: the server's changes, through the shared plan.
    let items = store.read().items(state.calendar_id)?;
    let pkg = incoming::read(&replies, &items, &state.device_id);
    let device_scan = scan_device(device, &items)?;
    let device_total = device_scan.total;
    let sent: HashMap<i64, &Outgoing> = acked.iter().map(|o| (o.row, *o)).collect();
    let (actions, warnings) = pairing::pair_by_content(plan(&items, device_scan, pkg.scan));
    report.warnings.extend(warnings);
    // Device changes not sent this session (one-way-from-server) wait for the next one.
    let actions: Vec<Action> = actions
        .into_iter()
        .filter(|a| {
            !matches!(
                a,
                Action::CreateOnServer { .. }
                    | Action::UpdateOnServer { .. }
                    | Action::DeleteOnServer { .. }
            )
        })
        .collect();
    let reason = guard::check(&actions, &account.settings, items.len(), device_total, None);
    let planned = || actions.iter().filter_map(|a| a.describe(&items)).collect();
    if hold(report, opts, reason.clone(), planned) {
        // No answers, no Map, no anchors: the server sends these changes again.
        return Ok(None);
    }
    let cal = store.read().calendar_state(account.id)?;
    if actions.iter().any(Action::changes_data) {
        super::caldav::take_backup(
            store,
            account,
            &cal,
            &items,
            device,
            &actions,
            reason.is_some(),
        )?;
    }
    execute::execute(store, account, &items, device, actions, &sent, report, opts)?;

    opts.interrupt.check()?;
    // Package 5: Statuses and the Map.
    let mut maps = Vec::new();
    let rows_by_href: HashMap<String, i64> = store
        .read()
        .items(state.calendar_id)?
        .into_iter()
        .filter_map(|i| Some((i.href?.as_str().to_string(), i.id)))
        .collect();
    for r in &pkg.received {
        let code = match (&r.cmd, &r.error, &r.guid) {
            (_, Some(e), _) => {
                report.errors.push(format!("server item: {e}"));
                500
            }
            (Command::Add(_), None, Some(guid)) => {
                match rows_by_href.get(incoming::guid_href(guid).as_str()) {
                    Some(row) => {
                        maps.push((row.to_string(), guid.clone()));
                        201
                    }
                    None => 500,
                }
            }
            (Command::Add(_), None, None) => 201,
            (Command::Delete(_), _, _) => 200,
            _ => 200,
        };
        session.answer(r.msg_id, &r.cmd, code);
    }
    let mut package = Vec::new();
    let mut all_maps = store.read().pending_maps(state.calendar_id)?;
    all_maps.extend(maps.iter().cloned());
    if !maps.is_empty() {
        store.read().add_pending_maps(state.calendar_id, &maps)?;
    }
    if !all_maps.is_empty() {
        package.push(map_command(state, &all_maps));
    }
    // In the from-client modes the server ends the session with its package 4 (no map
    // phase): answering it would reach a closed session.
    let server_writes = !matches!(server_mode, 202 | 203);
    if !package.is_empty() || (server_writes && session.has_pending()) {
        // The server may commit this session on receiving our last package, whether or not
        // its answer reaches us.
        store.write(|tx| {
            tx.set_syncml_pending_anchor(state.calendar_id, Some(&next_anchor))?;
            tx.set_syncml_resume(state.calendar_id, None)
        })?;
        let replies = session.package(package)?;
        let map_ok = replies.iter().flat_map(|m| &m.body.commands).any(
            |c| matches!(c, Command::Status(s) if s.cmd == "Map" && (200..300).contains(&s.code)),
        );
        if map_ok {
            store.read().clear_pending_maps(state.calendar_id)?;
        }
        session.finish()?;
    }

    // Anchors, last: only when everything went through.
    store.read().set_syncml_resume(state.calendar_id, None)?;
    if report.errors.is_empty() {
        store.read().set_syncml_anchors(
            state.calendar_id,
            Some(&next_anchor),
            server_alert.next.as_deref(),
        )?;
        state.local_anchor = Some(next_anchor);
    } else {
        log::info!("anchors kept: some changes were not applied");
    }
    if refused && server_mode == alert_code::TWO_WAY {
        // The server's changes of the interrupted session may be lost (it counts them as
        // sent): fetch everything it has, paired with what we hold.
        return Ok(Some(SyncMode::RefreshFromServer));
    }
    if recovering && mode == SyncMode::RefreshFromServer {
        let unsent = store
            .read()
            .items(state.calendar_id)?
            .iter()
            .any(|i| i.href.is_none() && i.device_id.is_some());
        if unsent {
            return Ok(Some(SyncMode::TwoWay));
        }
    }
    Ok(None)
}

fn map_command(state: &SyncMlState, pairs: &[(String, String)]) -> Command {
    let pairs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(luid, guid)| (guid.as_str(), luid.as_str()))
        .collect();
    Command::Map(Map::new(0, &state.server_uri, LOCAL_URI, &pairs))
}
