//! The packages of one SyncML session, one function each, as the frame's [`Protocol`]:
//! package 1 (DevInf and the sync Alert, with resume negotiation), package 3 (our changes,
//! the journal written before they go, the server's Statuses), package 4 read into the
//! remote scan (the frame then plans, guards, backs up and runs the device writes), package
//! 5 (our Statuses and the Map), and the anchors committed last.

use super::outgoing::{self, OutKind, Outgoing};
use super::{devinf, find_server_alert, incoming, local_plan, map_command, SyncMode, LOCAL_URI};
use crate::device::DeviceCalendar;
use crate::remote::syncml::build::alert_code;
use crate::remote::syncml::session::{Session, CLIENT_MAX_OBJ_SIZE};
use crate::remote::syncml::{Alert, Command, Status, SyncMl, SyncMlFormat};
use crate::store::{ItemRecord, JournalEntry, JournalKind, JournalState, SqliteStore, SyncMlState};
use crate::sync::detect::{scan_device, DeviceScan};
use crate::sync::frame::{self, Frame, Local, Protocol, RemoteScan};
use crate::sync::plan::Action;
use crate::sync::report::{HoldReason, SyncReport};
use crate::sync::{guard, SyncContext};
use crate::{Error, Result};
use std::collections::{HashMap, HashSet};

/// What one session works with.
pub(super) struct Run<'a, 'c> {
    pub store: &'a mut SqliteStore,
    pub device: &'a mut dyn DeviceCalendar,
    pub opts: &'a SyncContext<'c>,
    pub state: &'a mut SyncMlState,
    pub report: &'a mut SyncReport,
    pub session: &'a mut Session,
}

/// What package 1 settled with the server.
struct Negotiated {
    /// Our Next anchor of this session.
    next_anchor: String,
    /// The server's Next anchor.
    server_next: Option<String>,
    /// The mode the server runs (its Alert code).
    server_mode: u16,
    /// The server resumes an interrupted session.
    resumed: bool,
    /// The server refused to resume one.
    refused: bool,
    /// The journal of the interrupted session, when resuming was asked.
    journal: Vec<JournalEntry>,
}

/// One SyncML session as the frame's [`Protocol`]: its remote scan is packages 1, 3 and
/// the reading of 4; its execution the device writes and package 5; its commit the anchors.
pub(super) struct OneSession {
    /// The mode asked for.
    pub mode: SyncMode,
    /// A session a recovery asked for.
    pub recovering: bool,
    /// The calendar's SyncML state.
    pub state: SyncMlState,
    /// The HTTP session with the server.
    pub session: Session,
    /// What package 1 settled.
    neg: Option<Negotiated>,
    /// Our changes the server accepted in this session.
    acked: Vec<Outgoing>,
    /// The server's package 4.
    pkg: Option<incoming::ServerPackage>,
    /// The mode of another session a recovery needs, once committed.
    pub next: Option<SyncMode>,
}

impl OneSession {
    /// A session in `mode` over `session`.
    pub fn new(mode: SyncMode, recovering: bool, state: SyncMlState, session: Session) -> Self {
        OneSession {
            mode,
            recovering,
            state,
            session,
            neg: None,
            acked: Vec::new(),
            pkg: None,
            next: None,
        }
    }

    fn run<'a, 'c>(&'a mut self, f: &'a mut Frame<'_, 'c>) -> Run<'a, 'c> {
        Run {
            store: &mut *f.store,
            device: &mut *f.device,
            opts: f.opts,
            state: &mut self.state,
            report: &mut *f.report,
            session: &mut self.session,
        }
    }

    /// Our deletions are checked before anything is sent; a dry run shows the device
    /// changes that would go. True when the sync stops here.
    fn held_locally(&self, f: &mut Frame<'_, '_>, local: &Local, mode: SyncMode) -> bool {
        let (items, scan) = (&local.items, &local.scan);
        if matches!(mode, SyncMode::TwoWay | SyncMode::OneWayFromClient) {
            let on_server: HashSet<i64> = items
                .iter()
                .filter(|i| i.href.is_some())
                .map(|i| i.id)
                .collect();
            let deletes: Vec<Action> = scan
                .deleted
                .iter()
                .filter(|r| on_server.contains(r))
                .map(|r| Action::DeleteOnServer {
                    row: *r,
                    etag: None,
                })
                .collect();
            if f.opts.dry_run {
                f.report.plan = Some(local_plan(scan, &deletes, items));
                return true;
            }
            let reason = guard::check(&deletes, &f.account.settings, items.len(), scan.total, None);
            frame::hold(f.report, f.opts, reason, || {
                frame::describe(&deletes, items)
            })
        } else if f.opts.dry_run {
            f.report.plan = Some(local_plan(scan, &[], items));
            true
        } else {
            false
        }
    }
}

impl Protocol for OneSession {
    fn scan_remote(&mut self, f: &mut Frame<'_, '_>, local: &Local) -> Result<Option<RemoteScan>> {
        // A replaced device calendar is a reset: its events are paired with the server's
        // in a slow sync (which never deletes anything); so is a calendar without anchors.
        let mut mode = self.mode;
        if (local.replaced || self.state.local_anchor.is_none()) && mode == SyncMode::TwoWay {
            mode = SyncMode::Slow;
        }
        self.mode = mode;
        let sends_changes = matches!(
            mode,
            SyncMode::TwoWay
                | SyncMode::OneWayFromClient
                | SyncMode::Slow
                | SyncMode::RefreshFromClient
        );
        if self.held_locally(f, local, mode) {
            return Ok(None);
        }
        let mut run = self.run(f);
        let Some(neg) = package1(&mut run, mode, &local.items)? else {
            return Ok(None);
        };
        let (mut pkg, acked) = package3(&mut run, &neg, sends_changes, &local.items, &local.scan)?;
        let Run {
            store,
            device,
            state,
            ..
        } = run;
        // Package 3 created rows for the events it sent: plan with the rows as they are now.
        let items = store.read().items(state.calendar_id)?;
        let device_scan = scan_device(&*device, &items)?;
        let scan = std::mem::take(&mut pkg.scan);
        self.neg = Some(neg);
        self.acked = acked;
        self.pkg = Some(pkg);
        Ok(Some(RemoteScan {
            scan,
            listed_total: None,
            rescanned: Some((items, device_scan)),
        }))
    }

    fn runs(&self, action: &Action) -> bool {
        // Device changes not sent this session (one-way-from-server) wait for the next one.
        !matches!(
            action,
            Action::CreateOnServer { .. }
                | Action::UpdateOnServer { .. }
                | Action::DeleteOnServer { .. }
        )
    }

    fn execute(
        &mut self,
        f: &mut Frame<'_, '_>,
        items: &[ItemRecord],
        actions: Vec<Action>,
    ) -> Result<()> {
        let sent: HashMap<i64, &Outgoing> = self.acked.iter().map(|o| (o.row, o)).collect();
        super::execute::execute(f, items, actions, &sent)?;
        let (Some(neg), Some(pkg)) = (self.neg.take(), self.pkg.take()) else {
            // The frame runs execute only after a remote scan that read package 4.
            return Err(Error::Internal);
        };
        package5(&mut self.run(f), &neg, pkg)?;
        self.neg = Some(neg);
        Ok(())
    }

    fn commit(&mut self, f: &mut Frame<'_, '_>) -> Result<()> {
        let Some(neg) = self.neg.take() else {
            return Err(Error::Internal);
        };
        let (mode, recovering) = (self.mode, self.recovering);
        self.next = commit(&mut self.run(f), neg, mode, recovering)?;
        Ok(())
    }
}

/// Package 1: DevInf and the Alert (or a resume), and the server's answer. `None` when a
/// slow sync the server forces is held back.
fn package1(
    run: &mut Run<'_, '_>,
    mode: SyncMode,
    items: &[ItemRecord],
) -> Result<Option<Negotiated>> {
    let Run {
        store,
        opts,
        state,
        report,
        session,
        ..
    } = run;
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
    // A slow sync or refresh from server we did not ask for: the server lost or replaced its
    // side since the last session.
    let forced_slow = (server_mode == alert_code::SLOW && mode != SyncMode::Slow)
        || (server_mode == alert_code::REFRESH_FROM_SERVER
            && !matches!(mode, SyncMode::RefreshFromServer | SyncMode::Slow));
    if forced_slow && (state.pending_anchor.is_some() || resume.is_some()) {
        log::info!("slow sync after a session whose end went unanswered: expected");
    } else if forced_slow {
        let reason = (!items.is_empty()).then_some(HoldReason::ServerReset {
            known: items.len() as u64,
        });
        if frame::hold(report, opts, reason, Vec::new) {
            return Ok(None);
        }
    }
    Ok(Some(Negotiated {
        next_anchor,
        server_next: server_alert.next,
        server_mode,
        resumed,
        refused,
        journal,
    }))
}

/// Package 3: our changes (none in the from-server modes), with the journal written before
/// they go; returns the server's answer (which carries its package 4) and what it accepted.
fn package3(
    run: &mut Run<'_, '_>,
    neg: &Negotiated,
    sends_changes: bool,
    items: &[ItemRecord],
    device_scan: &DeviceScan,
) -> Result<(incoming::ServerPackage, Vec<Outgoing>)> {
    let Run {
        store,
        device,
        opts,
        state,
        report,
        session,
        ..
    } = run;
    let device: &mut dyn DeviceCalendar = &mut **device;
    let (server_mode, next_anchor, resumed, refused) = (
        neg.server_mode,
        neg.next_anchor.clone(),
        neg.resumed,
        neg.refused,
    );
    opts.interrupt.check()?;
    let changes: Vec<Outgoing> = if !sends_changes || matches!(server_mode, 204 | 205) {
        Vec::new()
    } else if matches!(server_mode, 201 | 203) {
        outgoing::everything(store, state.calendar_id, items, device)?
    } else {
        outgoing::incremental(store, state.calendar_id, items, device_scan, device)?
    };
    // Additions of the interrupted session that were never acknowledged may be on the
    // server already (without a Map): in a normal sync after a refused resume they are held
    // back, paired by UID with what the server sends, and sent later if it has no twin.
    let changes: Vec<Outgoing> = if refused && server_mode == alert_code::TWO_WAY {
        let held: std::collections::HashSet<&str> = neg
            .journal
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
    // The server's package 4 is read as its messages come, after the Statuses each
    // holds for ours: the rows it may address are those of now (package 3's new rows
    // included), less those our acknowledged Deletes remove.
    let mut reader = incoming::Reader::new(
        &store.read().items_without_bodies(state.calendar_id)?,
        &state.device_id,
        opts.download_memory,
        store.folder(),
    );
    opts.progress.phase("upload", changes.len() as u64);
    let by_luid: HashMap<String, &Outgoing> =
        changes.iter().map(|c| (c.row.to_string(), c)).collect();
    let mut acked = Vec::new();
    let mut journal = Vec::new();
    let mut map_acks = MapAcks::default();
    session.package_each(package, |m| {
        map_acks.take(&m);
        // Statuses of our changes.
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
                                if o.kind == OutKind::Delete {
                                    reader.forget(o.row);
                                }
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
                _ => {}
            }
        }
        reader.message(m)
    })?;
    if map_acks.acknowledged() {
        store.read().clear_pending_maps(state.calendar_id)?;
    }
    outgoing::record(store, state.calendar_id, items, &acked)?;
    store.read().journal_put(state.calendar_id, &journal)?;
    opts.progress.advance(changes.len() as u64);
    let acked = acked.into_iter().cloned().collect();
    Ok((reader.finish()?, acked))
}

/// Package 5: a Status for every server command and the Map of its Adds (persisted before
/// it is sent).
fn package5(run: &mut Run<'_, '_>, neg: &Negotiated, pkg: incoming::ServerPackage) -> Result<()> {
    let Run {
        store,
        opts,
        state,
        report,
        session,
        ..
    } = run;
    let (server_mode, next_anchor) = (neg.server_mode, neg.next_anchor.clone());
    opts.interrupt.check()?;
    let mut maps = Vec::new();
    let rows_by_href: HashMap<String, i64> = store
        .read()
        .items(state.calendar_id)?
        .into_iter()
        .filter_map(|i| Some((i.href?.as_str().to_string(), i.id)))
        .collect();
    for r in pkg.received {
        let code = match (r.is_add, &r.error, &r.guid) {
            (_, Some(e), _) => {
                report.errors.push(format!("server item: {e}"));
                500
            }
            (true, None, Some(guid)) => {
                match rows_by_href.get(incoming::guid_href(guid).as_str()) {
                    Some(row) => {
                        maps.push((row.to_string(), guid.clone()));
                        201
                    }
                    None => 500,
                }
            }
            (true, None, None) => 201,
            (false, _, _) => 200,
        };
        if let Some(answer) = r.answer {
            session.answer_with(Status { code, ..answer });
        }
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
        if maps_acknowledged(&replies) {
            store.read().clear_pending_maps(state.calendar_id)?;
        }
        session.finish()?;
    }
    Ok(())
}

/// Whether the server took our mappings: a Map split over several messages has one Status
/// per part, and all of them must be 2xx (a part refused keeps every pending mapping for the
/// next session, which sends them again; the server takes a mapping twice without harm).
fn maps_acknowledged(replies: &[SyncMl]) -> bool {
    let mut acks = MapAcks::default();
    replies.iter().for_each(|m| acks.take(m));
    acks.acknowledged()
}

/// The server's Statuses for our Map, over the messages of its package.
#[derive(Default)]
struct MapAcks {
    /// Some Status for a Map came.
    seen: bool,
    /// One of them was not a success.
    refused: bool,
}

impl MapAcks {
    /// Takes the Map Statuses of one message.
    fn take(&mut self, m: &SyncMl) {
        for c in &m.body.commands {
            if let Command::Status(s) = c {
                if s.cmd == "Map" {
                    self.seen = true;
                    self.refused |= !(200..300).contains(&s.code);
                }
            }
        }
    }

    /// Whether the server took our Map: it answered, every time with a success.
    fn acknowledged(&self) -> bool {
        self.seen && !self.refused
    }
}

/// The anchors, last, only when everything went through; then whether a recovery needs
/// another session.
fn commit(
    run: &mut Run<'_, '_>,
    neg: Negotiated,
    mode: SyncMode,
    recovering: bool,
) -> Result<Option<SyncMode>> {
    let Run {
        store,
        state,
        report,
        ..
    } = run;
    let (server_mode, next_anchor, refused) =
        (neg.server_mode, neg.next_anchor.clone(), neg.refused);
    store.read().set_syncml_resume(state.calendar_id, None)?;
    if report.errors.is_empty() {
        store.read().set_syncml_anchors(
            state.calendar_id,
            Some(&next_anchor),
            neg.server_next.as_deref(),
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
