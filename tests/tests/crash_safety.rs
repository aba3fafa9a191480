//! Crash and network safety, proven (DESIGN.md, safety contract point 2): scripted syncs
//! against a real Radicale are interrupted at every request boundary and in the middle of
//! every answer — the connection cut before the request reaches the server, cut after the
//! server applied it, cut half-way through the answer, and `kill -9` of `synchro` while the
//! request waits before or after the server — and a normal sync afterwards must converge to
//! the state an uninterrupted run reaches: nothing lost, nothing duplicated, store consistent.
//!
//! How one scenario runs:
//! 1. A Radicale, a fault proxy in front of it, a `synchro` account through the proxy. The
//!    scenario prepares both sides, a clean first sync runs, then the scenario edits both
//!    sides (additions, edits, deletions, conflicts, recurring events).
//! 2. That start state is snapshotted byte for byte: the Radicale collection folder (items,
//!    its cache and sync-token history, so etags and tokens are the same again), the vdir
//!    (with file mtimes, which are the device's versions), and the SQLite store.
//! 3. Reference: restore, sync without faults, count the requests R through the proxy and
//!    record the converged state (twice, to check the run is deterministic).
//! 4. For every k in 1..=R and every interruption: restore, run the interrupted sync
//!    (a non-zero exit or a kill), then two normal syncs, and compare with the reference:
//!    the first must succeed, the second must have nothing to do.
//! 5. A second crash while recovering: for every k, cut after the server applied request k,
//!    then cut the recovery the same way at each of its own requests, then sync normally.
//!
//! "State" is the set of (UID, normalised event) on the server and in the vdir — normalised
//! by `ics_to_event` + `event_fingerprint`, which ignore DTSTAMP, PRODID, LAST-MODIFIED,
//! order and folding — plus the conflict copies kept. A UID twice on a side is a duplicate.
//! Conflicts: the rules say the server wins and the device's edit is kept as a conflict copy;
//! an interruption can only come after the plan (which saw both edits) or before any write,
//! so the winner cannot change and the conflict copies must match the reference exactly.
//!
//! 6. Kills at moments spread over an uninterrupted run (not tied to a request), which can
//!    land in local work: between a device write and its store record, say. Where they
//!    land varies from run to run; the request-bound cuts above are exact.
//!
//! The summary line reads `crash-safety: N cut points tried, M converged`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;
use synchro_core::ical::{event_fingerprint, ics_to_event};
use synchro_tests::calendar::{simple, vdir_find, with_summary, zimbra_lecture};
use synchro_tests::http::{self, Auth};
use synchro_tests::proxy::{Cut, HoldPoint, Proxy};
use synchro_tests::{synchro_bin, Cli, Peer, ProxiedVdir, Server};

/// The account every scenario syncs.
const ACCOUNT: &str = ProxiedVdir::ACCOUNT;

/// Kills at moments spread over a sync, per scenario (`SYNCHRO_TIMED_KILLS` to change it,
/// e.g. for a longer soak).
fn timed_kills() -> u32 {
    std::env::var("SYNCHRO_TIMED_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10)
}

/// One way to interrupt a sync at request k.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Interruption {
    /// The proxy cuts the connection.
    Cut(Cut),
    /// `kill -9` of `synchro` while the proxy holds the request.
    Kill(HoldPoint),
}

impl Interruption {
    const ALL: [Interruption; 5] = [
        Interruption::Cut(Cut::BeforeForwarding),
        Interruption::Cut(Cut::AfterApplied),
        Interruption::Cut(Cut::MidResponse),
        Interruption::Kill(HoldPoint::BeforeForwarding),
        Interruption::Kill(HoldPoint::AfterApplied),
    ];

    fn name(self) -> &'static str {
        match self {
            Interruption::Cut(Cut::BeforeForwarding) => "cut before the server",
            Interruption::Cut(Cut::AfterApplied) => "cut after the server applied",
            Interruption::Cut(Cut::MidResponse) => "cut mid-answer",
            Interruption::Kill(HoldPoint::BeforeForwarding) => "kill -9 before the server",
            Interruption::Kill(HoldPoint::AfterApplied) => "kill -9 after the server applied",
        }
    }
}

/// A scripted situation: `before` fills both sides for a first sync, `after` edits them;
/// the sync under test is the one after `after`. Without `before`, there is no earlier
/// sync: the sync under test is the account's first.
struct Scenario {
    name: &'static str,
    /// More `account add` options.
    account: &'static [&'static str],
    /// Environment of every `synchro` run.
    env: &'static [(&'static str, &'static str)],
    before: Option<fn(&World)>,
    after: fn(&World),
}

/// A Radicale, a fault proxy in front of it, and a `synchro` user syncing a vdir with it.
struct World {
    server: Server,
    proxy: Proxy,
    cli: Cli,
    /// Environment of every `synchro` run.
    env: &'static [(&'static str, &'static str)],
    vdir: PathBuf,
    /// The Radicale folder of the test calendar.
    collection: PathBuf,
    /// Where the start state is kept.
    snapshot: tempfile::TempDir,
}

impl World {
    fn new(account_options: &[&str], env: &'static [(&'static str, &'static str)]) -> World {
        let ProxiedVdir {
            server,
            proxy,
            cli,
            vdir,
        } = ProxiedVdir::start(account_options);
        let collection = server
            .dir()
            .join("collections/collection-root")
            .join(&server.username)
            .join("cal");
        assert!(
            collection.is_dir(),
            "Radicale's collection folder is not at {}",
            collection.display()
        );
        fs::create_dir_all(&vdir).unwrap();
        let cli = env.iter().fold(cli, |cli, (k, v)| cli.env(k, v));
        World {
            server,
            proxy,
            cli,
            env,
            vdir,
            collection,
            snapshot: tempfile::Builder::new()
                .prefix("synchro-crash-")
                .tempdir()
                .unwrap(),
        }
    }

    fn put(&self, name: &str, ics: &str) {
        self.server.put_ics(name, ics);
    }

    fn delete(&self, name: &str) {
        let status = self.server.delete(name);
        assert!((200..300).contains(&status), "DELETE {name}: {status}");
    }

    fn write_local(&self, name: &str, ics: &str) {
        fs::write(self.vdir.join(name), ics).unwrap();
    }

    fn edit_local(&self, uid: &str, f: impl Fn(&str) -> String) {
        let (file, text) = vdir_find(&self.vdir, uid).unwrap_or_else(|| panic!("{uid} on device"));
        let edited = f(&text);
        assert_ne!(edited, text, "the edit of {uid} changes nothing");
        self.write_local(&file, &edited);
    }

    fn delete_local(&self, uid: &str) {
        let (file, _) = vdir_find(&self.vdir, uid).unwrap_or_else(|| panic!("{uid} on device"));
        fs::remove_file(self.vdir.join(file)).unwrap();
    }

    fn sync(&self) -> (i32, Value, String) {
        let out = self.cli.run(&["sync", ACCOUNT, "--json"]);
        let report = out.json().into_iter().next().unwrap_or(Value::Null);
        (out.code, report, out.to_string())
    }

    /// The store files: the database and its WAL companions.
    fn db_files(&self) -> Vec<(PathBuf, &'static str)> {
        let db = self.cli.db().to_path_buf();
        let with = |suffix: &'static str| {
            let mut p = db.clone().into_os_string();
            p.push(suffix);
            (PathBuf::from(p), suffix)
        };
        vec![with(""), with("-wal"), with("-shm")]
    }

    /// Keeps the current state of both sides and of the store as the start state.
    /// (`synchro` has exited cleanly, so SQLite has checkpointed and removed its WAL; the
    /// -wal and -shm files are copied anyway when present, with the database.)
    fn take_snapshot(&self) {
        let snap = self.snapshot.path();
        copy_tree(&self.collection, &snap.join("server"));
        copy_tree(&self.vdir, &snap.join("phone"));
        fs::create_dir_all(snap.join("db")).unwrap();
        for (path, suffix) in self.db_files() {
            if path.exists() {
                fs::copy(&path, snap.join("db").join(format!("store{suffix}"))).unwrap();
            }
        }
    }

    /// Puts both sides and the store back to the start state. Nothing may be running.
    fn restore(&self) {
        let snap = self.snapshot.path();
        fs::remove_dir_all(&self.collection).unwrap();
        copy_tree(&snap.join("server"), &self.collection);
        fs::remove_dir_all(&self.vdir).unwrap();
        copy_tree(&snap.join("phone"), &self.vdir);
        for (path, suffix) in self.db_files() {
            let kept = snap.join("db").join(format!("store{suffix}"));
            let _ = fs::remove_file(&path);
            if kept.exists() {
                fs::copy(&kept, &path).unwrap();
            }
        }
        self.proxy.reset_count();
    }

    /// The events on the server, read from Radicale's storage: (file name, text).
    fn server_items(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for e in fs::read_dir(&self.collection).unwrap().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if !name.starts_with('.') && e.path().is_file() {
                out.push((name, fs::read_to_string(e.path()).unwrap()));
            }
        }
        out.sort();
        out
    }

    /// The events in the vdir: (file name, text).
    fn device_items(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for e in fs::read_dir(&self.vdir).unwrap().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if !name.starts_with('.') && name.ends_with(".ics") {
                out.push((name, fs::read_to_string(e.path()).unwrap()));
            }
        }
        out.sort();
        out
    }

    /// What both sides and the conflict copies hold now.
    fn state(&self) -> State {
        let conn = rusqlite::Connection::open(self.cli.db()).unwrap();
        let mut stmt = conn.prepare("SELECT uid, ics FROM conflicts").unwrap();
        let conflicts: Vec<(String, String)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        State {
            server: by_uid(&self.server_items()),
            device: by_uid(&self.device_items()),
            conflicts: by_uid(&conflicts),
        }
    }

    /// Inconsistencies of the store against both sides: every row is linked to one server
    /// item and one device event, one row per event, `status` agrees.
    fn store_problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let conn = rusqlite::Connection::open(self.cli.db()).unwrap();
        let mut stmt = conn
            .prepare("SELECT uid, href, device_id FROM items")
            .unwrap();
        let rows: Vec<(String, Option<String>, Option<String>)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let server: BTreeSet<String> = self.server_items().into_iter().map(|(n, _)| n).collect();
        let device: BTreeSet<String> = self.device_items().into_iter().map(|(n, _)| n).collect();
        for (uid, href, device_id) in &rows {
            match href {
                None => problems.push(format!("store row {uid} has no href")),
                Some(h) => {
                    let name = h.rsplit('/').next().unwrap_or_default();
                    if !server.contains(name) {
                        problems.push(format!("store row {uid}: {h} is not on the server"));
                    }
                }
            }
            match device_id {
                None => problems.push(format!("store row {uid} has no device id")),
                Some(id) if !device.contains(id) => {
                    problems.push(format!("store row {uid}: {id} is not on the device"))
                }
                Some(_) => {}
            }
        }
        let uids: BTreeSet<&String> = rows.iter().map(|r| &r.0).collect();
        if uids.len() != rows.len() {
            problems.push(format!("store rows share a UID: {rows:?}"));
        }
        if rows.len() != device.len() || rows.len() != server.len() {
            problems.push(format!(
                "{} store rows for {} device and {} server events",
                rows.len(),
                device.len(),
                server.len()
            ));
        }
        let status = self.cli.run(&["status", ACCOUNT, "--json"]);
        let items = status.json_one()["items"].as_u64();
        if items != Some(rows.len() as u64) {
            problems.push(format!(
                "status says {items:?} items, the store has {}",
                rows.len()
            ));
        }
        problems
    }
}

/// Copies a folder tree, keeping file modification times (the vdir's versions).
fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap().flatten() {
        let (src, dst) = (e.path(), to.join(e.file_name()));
        let meta = e.metadata().unwrap();
        if meta.is_dir() {
            copy_tree(&src, &dst);
        } else {
            fs::copy(&src, &dst).unwrap();
            let file = fs::File::options().write(true).open(&dst).unwrap();
            file.set_modified(meta.modified().unwrap()).unwrap();
        }
    }
}

/// Events by UID: each as "summary #hash of its normalised form" (a UID with two entries is
/// a duplicate). Text that does not parse counts as "unreadable: name".
fn by_uid(items: &[(String, String)]) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, text) in items {
        let (uid, ev) = match ics_to_event(text) {
            Ok(event) => {
                let mut h = std::collections::hash_map::DefaultHasher::new();
                event_fingerprint(&event).hash(&mut h);
                (
                    event.uid.to_string(),
                    format!(
                        "{:?} #{:08x}",
                        event.summary.as_deref().unwrap_or(""),
                        h.finish() as u32
                    ),
                )
            }
            Err(e) => (format!("unreadable: {name}"), e.to_string()),
        };
        out.entry(uid).or_default().push(ev);
    }
    for v in out.values_mut() {
        v.sort();
    }
    out
}

/// Both sides and the conflict copies.
#[derive(Debug, Clone, PartialEq, Eq)]
struct State {
    server: BTreeMap<String, Vec<String>>,
    device: BTreeMap<String, Vec<String>>,
    conflicts: BTreeMap<String, Vec<String>>,
}

impl State {
    /// What differs from `reference`, one line per UID.
    fn diff(&self, reference: &State) -> Vec<String> {
        let mut out = Vec::new();
        for (side, got, want) in [
            ("server", &self.server, &reference.server),
            ("device", &self.device, &reference.device),
            ("conflict copies", &self.conflicts, &reference.conflicts),
        ] {
            let uids: BTreeSet<&String> = got.keys().chain(want.keys()).collect();
            for uid in uids {
                let (g, w) = (got.get(uid), want.get(uid));
                if g != w {
                    let kind = match (g.map(Vec::len), w.map(Vec::len)) {
                        (None, _) => "lost",
                        (Some(a), Some(b)) if a > b => "duplicated",
                        (Some(a), None) if a > 1 => "duplicated",
                        (Some(_), None) => "unexpected",
                        _ => "differs",
                    };
                    out.push(format!("{side}: {uid} {kind}: got {g:?}, expected {w:?}"));
                }
            }
        }
        out
    }

    /// Duplicates and differences between the two sides (for the reference itself).
    fn self_check(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (side, m) in [("server", &self.server), ("device", &self.device)] {
            for (uid, v) in m {
                if v.len() > 1 {
                    out.push(format!("{side}: {uid} is there {} times", v.len()));
                }
            }
        }
        if self.server != self.device {
            out.push(format!(
                "the sides differ: server {:?}, device {:?}",
                self.server, self.device
            ));
        }
        out
    }
}

/// The counts of a sync report: device and server (added, updated, deleted), conflicts.
fn changes(report: &Value) -> u64 {
    let mut n = report["conflicts"].as_u64().unwrap_or(0);
    for side in ["device", "server"] {
        for c in ["added", "updated", "deleted"] {
            n += report[side][c].as_u64().unwrap_or(u64::MAX / 8);
        }
    }
    n
}

/// Runs `synchro sync` as a child process (so it can be killed).
fn spawn_sync(world: &World) -> std::process::Child {
    Command::new(synchro_bin())
        .arg("--db")
        .arg(world.cli.db())
        .args(["sync", ACCOUNT, "--json"])
        .env_remove("SYNCHRO_DB")
        .env("SYNCHRO_PASSWORD", &world.server.password)
        .env("NO_COLOR", "1")
        .envs(world.env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn synchro")
}

/// `kill -9` of a sync `after` its start, wherever it is then (in local work too: between a
/// device write and its store record, say). Then two normal syncs and the checks.
fn timed_kill(world: &World, reference: &State, after: Duration) -> Vec<String> {
    world.restore();
    let mut child = spawn_sync(world);
    // The delay is the fault being injected, not a synchronisation.
    std::thread::sleep(after);
    let _ = child.kill();
    child.wait().expect("wait for synchro");
    world.proxy.reset_count();
    let mut problems = Vec::new();
    let (code, report, _) = world.sync();
    if code != 0 || report["status"] != "ok" {
        problems.push(format!("the sync after the kill failed: {report}"));
    }
    let (code, report, out) = world.sync();
    if code != 0 || changes(&report) != 0 {
        problems.push(format!("a second sync still had work to do:\n{out}"));
    }
    problems.extend(world.state().diff(reference));
    problems.extend(world.store_problems());
    problems
}

/// Runs the sync interrupted at request k. Err when the interruption did not happen.
fn interrupted_sync(world: &World, k: usize, how: Interruption) -> Result<(), String> {
    match how {
        Interruption::Cut(cut) => {
            world.proxy.cut_nth(k, cut);
            let (code, report, out) = world.sync();
            world.proxy.clear_nth();
            if world.proxy.request_count() < k {
                return Err(format!("request {k} never came:\n{out}"));
            }
            if code == 0 {
                return Err(format!("the interrupted sync says it succeeded: {report}"));
            }
            Ok(())
        }
        Interruption::Kill(point) => {
            let hold = world.proxy.hold_nth(k, point);
            let mut child = spawn_sync(world);
            let reached = hold.wait(Duration::from_secs(60), || {
                child.try_wait().ok().flatten().is_some()
            });
            if reached {
                child.kill().expect("kill -9 synchro");
            }
            let status = child.wait().expect("wait for synchro");
            hold.release();
            world.proxy.clear_nth();
            if !reached {
                return Err(format!("request {k} never came (synchro ended: {status})"));
            }
            Ok(())
        }
    }
}

/// One interruption and the recovery: what went wrong, if anything. With `then`, the
/// first sync after the interruption is cut too, after the server applied its request
/// `then` (a second crash while recovering); `None` when it has no such request.
fn attempt(
    world: &World,
    reference: &State,
    k: usize,
    how: Interruption,
    then: Option<usize>,
) -> Option<Vec<String>> {
    world.restore();
    if let Err(e) = interrupted_sync(world, k, how) {
        return Some(vec![e]);
    }
    world.proxy.reset_count();
    if let Some(j) = then {
        world.proxy.cut_nth(j, Cut::AfterApplied);
        let (code, report, _) = world.sync();
        world.proxy.clear_nth();
        if world.proxy.request_count() < j {
            return None;
        }
        if code == 0 {
            return Some(vec![format!(
                "the interrupted recovery says it succeeded: {report}"
            )]);
        }
        world.proxy.reset_count();
    }
    let mut problems = Vec::new();
    let (code, report, _) = world.sync();
    if code != 0 || report["status"] != "ok" {
        problems.push(format!("the sync after the interruption failed: {report}"));
    }
    let (code, report, out) = world.sync();
    if code != 0 || changes(&report) != 0 {
        problems.push(format!("a second sync still had work to do:\n{out}"));
    }
    problems.extend(world.state().diff(reference));
    problems.extend(world.store_problems());
    Some(problems)
}

/// What one scenario gave.
struct Outcome {
    tried: usize,
    /// Of `tried`, those where the recovery was cut too.
    doubles: usize,
    /// Of `tried`, the kills at a moment rather than at a request.
    timed: usize,
    failures: Vec<String>,
}

fn run_scenario(s: &Scenario) -> Outcome {
    let started = Instant::now();
    let world = World::new(s.account, s.env);
    if let Some(before) = s.before {
        before(&world);
        let (code, report, out) = world.sync();
        assert!(
            code == 0 && report["status"] == "ok",
            "{}: first sync:\n{out}",
            s.name
        );
    }
    (s.after)(&world);
    world.take_snapshot();

    // The reference, twice: the same requests and the same result each time.
    let mut reference = None;
    let mut requests = None;
    for _ in 0..2 {
        world.restore();
        let (code, report, out) = world.sync();
        assert!(
            code == 0 && report["status"] == "ok",
            "{}: reference:\n{out}",
            s.name
        );
        let r = world.proxy.request_count();
        let (code, again, out) = world.sync();
        assert!(
            code == 0 && changes(&again) == 0,
            "{}: reference again:\n{out}",
            s.name
        );
        let state = world.state();
        let problems: Vec<String> = state
            .self_check()
            .into_iter()
            .chain(world.store_problems())
            .collect();
        assert!(problems.is_empty(), "{}: reference: {problems:#?}", s.name);
        if let Some(first) = &reference {
            assert_eq!(
                &state, first,
                "{}: the reference is not deterministic",
                s.name
            );
            assert_eq!(Some(r), requests, "{}: request count varies", s.name);
        }
        reference = Some(state);
        requests = Some(r);
    }
    let (reference, requests) = (reference.unwrap(), requests.unwrap());

    let mut outcome = Outcome {
        tried: 0,
        doubles: 0,
        timed: 0,
        failures: Vec::new(),
    };
    let mut record = |what: String, problems: Vec<String>| {
        outcome.tried += 1;
        if !problems.is_empty() {
            outcome.failures.push(format!(
                "{}: {what}:\n    {}",
                s.name,
                problems.join("\n    ")
            ));
        }
    };
    let mut doubles = 0;
    for k in 1..=requests {
        for how in Interruption::ALL {
            let problems = attempt(&world, &reference, k, how, None).expect("no second cut");
            record(
                format!("{} at request {k} of {requests}", how.name()),
                problems,
            );
        }
        // The server ahead of the store, and the recovery cut the same way at each of its
        // own requests.
        let how = Interruption::Cut(Cut::AfterApplied);
        for j in 1.. {
            let Some(problems) = attempt(&world, &reference, k, how, Some(j)) else {
                break;
            };
            record(
                format!(
                    "{} at request {k} of {requests}, then at request {j} of the recovery",
                    how.name()
                ),
                problems,
            );
            doubles += 1;
        }
    }
    outcome.doubles = doubles;
    // Kills at moments spread over an uninterrupted run, not tied to requests.
    world.restore();
    let t0 = Instant::now();
    let mut child = spawn_sync(&world);
    child.wait().expect("wait for synchro");
    let duration = t0.elapsed();
    let kills = timed_kills();
    for i in 1..=kills {
        let after = duration * i / (kills + 1);
        let problems = timed_kill(&world, &reference, after);
        outcome.tried += 1;
        outcome.timed += 1;
        if !problems.is_empty() {
            outcome.failures.push(format!(
                "{}: kill -9 {} ms after the start:\n    {}",
                s.name,
                after.as_millis(),
                problems.join("\n    ")
            ));
        }
    }
    eprintln!(
        "crash-safety: {}: {} requests, {} cut points, {} converged ({:.1} s)",
        s.name,
        requests,
        outcome.tried,
        outcome.tried - outcome.failures.len(),
        started.elapsed().as_secs_f64()
    );
    outcome
}

// ---------------------------------------------------------------------------------------
// Scenarios. Server items live under names that are not their UID (as with most servers),
// so a re-created item gets a new href.

fn ev(uid: &str, summary: &str, day: u32) -> String {
    simple(uid, summary, &format!("202511{day:02}T090000Z"))
}

/// Additions, edits and deletions on both sides.
fn mixed_before(w: &World) {
    for (i, uid) in ["a", "b", "c", "d"].iter().enumerate() {
        w.put(
            &format!("srv-{uid}.ics"),
            &ev(uid, &format!("Server {uid}"), 3 + i as u32),
        );
    }
    w.write_local("d1.ics", &ev("d1", "Phone 1", 10));
    w.write_local("d2.ics", &ev("d2", "Phone 2", 11));
}

fn mixed_after(w: &World) {
    w.put("srv-e.ics", &ev("e", "Server e (new)", 12));
    w.put("srv-a.ics", &ev("a", "Server a (edited on the server)", 3));
    w.delete("srv-b.ics");
    w.write_local("d3.ics", &ev("d3", "Phone 3 (new)", 13));
    w.write_local("d4.ics", &ev("d4", "Phone 4 (new)", 14));
    w.edit_local("d1", |t| with_summary(t, "Phone 1 (edited on the phone)"));
    w.edit_local("d", |t| with_summary(t, "Server d (edited on the phone)"));
    w.delete_local("c");
}

/// Both sides edit one event differently (the server wins, the phone's edit is kept as a
/// conflict copy), another the same way (no conflict), and each side edits one more.
fn conflict_before(w: &World) {
    for (i, uid) in ["c1", "c2", "c3", "c4"].iter().enumerate() {
        w.put(
            &format!("srv-{uid}.ics"),
            &ev(uid, &format!("Event {uid}"), 3 + i as u32),
        );
    }
}

fn conflict_after(w: &World) {
    w.edit_local("c1", |t| with_summary(t, "c1 edited on the phone"));
    w.put("srv-c1.ics", &ev("c1", "c1 edited on the server", 3));
    w.edit_local("c2", |t| with_summary(t, "c2 same edit"));
    w.put("srv-c2.ics", &ev("c2", "c2 same edit", 4));
    w.edit_local("c3", |t| with_summary(t, "c3 edited on the phone"));
    w.put("srv-c4.ics", &ev("c4", "c4 edited on the server", 6));
    w.put("srv-n.ics", &ev("n", "New on the server", 7));
}

/// Recurring events with a RECURRENCE-ID exception: one exception edited on the phone,
/// another on the server; a new recurring event from the phone.
fn recurring_before(w: &World) {
    w.put("srv-lecture.ics", &zimbra_lecture("lecture", "Algèbre"));
    w.put("srv-seminar.ics", &zimbra_lecture("seminar", "Séminaire"));
}

fn recurring_after(w: &World) {
    // The phone moves the exception of the lecture to another room.
    w.edit_local("lecture", |t| {
        t.replacen("Algèbre (salle changée)", "Algèbre (salle 14, édité)", 1)
    });
    // The server edits the exception of the seminar.
    let seminar = zimbra_lecture("seminar", "Séminaire").replace("Salle 12", "Salle 40");
    w.put("srv-seminar.ics", &seminar);
    // A new weekly event with a moved occurrence, from the phone.
    let weekly = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Synchro//tests//EN\r\n\
        BEGIN:VEVENT\r\nUID:weekly\r\nDTSTAMP:20250101T000000Z\r\n\
        DTSTART:20251104T170000Z\r\nDURATION:PT1H\r\nSUMMARY:Piscine\r\n\
        RRULE:FREQ=WEEKLY;COUNT=10\r\nEND:VEVENT\r\n\
        BEGIN:VEVENT\r\nUID:weekly\r\nDTSTAMP:20250101T000000Z\r\n\
        RECURRENCE-ID:20251111T170000Z\r\nDTSTART:20251112T170000Z\r\nDURATION:PT1H\r\n\
        SUMMARY:Piscine (mercredi)\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    w.write_local("weekly.ics", weekly);
}

/// Deleted on one side, edited on the other: the edit wins, both ways, for events that
/// came from the server and from the phone.
fn delete_edit_before(w: &World) {
    w.put("srv-x.ics", &ev("x", "x from the server", 3));
    w.put("srv-y.ics", &ev("y", "y from the server", 4));
    w.put("srv-w.ics", &ev("w", "w from the server", 5));
    w.write_local("z.ics", &ev("z", "z from the phone", 6));
    w.write_local("v.ics", &ev("v", "v from the phone", 7));
}

fn delete_edit_after(w: &World) {
    // x: deleted on the phone, edited on the server.
    w.delete_local("x");
    w.put("srv-x.ics", &ev("x", "x edited on the server", 3));
    // y: edited on the phone, deleted on the server.
    w.edit_local("y", |t| with_summary(t, "y edited on the phone"));
    w.delete("srv-y.ics");
    // z (the phone's): deleted on the server, edited on the phone.
    w.delete("z.ics");
    w.edit_local("z", |t| with_summary(t, "z edited on the phone"));
    // v (the phone's): deleted on the phone, edited on the server.
    w.delete_local("v");
    w.put("v.ics", &ev("v", "v edited on the server", 7));
    // w: deleted on both sides.
    w.delete_local("w");
    w.delete("srv-w.ics");
}

/// A first sync between a full phone and a full server: the same events on both sides
/// (linked by UID), one with different content on each side (a conflict), the rest copied.
fn first_sync(w: &World) {
    w.put("srv-both.ics", &ev("both", "On both sides", 3));
    w.write_local("both.ics", &ev("both", "On both sides", 3));
    w.put("srv-differs.ics", &ev("differs", "The server's version", 4));
    w.write_local("differs.ics", &ev("differs", "The phone's version", 4));
    w.put("srv-lecture.ics", &zimbra_lecture("lecture", "Analyse"));
    w.put("srv-only.ics", &ev("server-only", "Only on the server", 5));
    w.write_local("phone-only.ics", &ev("phone-only", "Only on the phone", 6));
    w.write_local(
        "phone-too.ics",
        &ev("phone-too", "Also only on the phone", 7),
    );
}

/// A first sync into an empty phone calendar: written to it as the download arrives, in a
/// batch large enough to be written in place under a write-ahead record.
fn first_sync_to_empty_phone(w: &World) {
    w.put("srv-lecture.ics", &zimbra_lecture("lecture", "Analyse"));
    for i in 0..40 {
        w.put(
            &format!("srv-{i}.ics"),
            &ev(
                &format!("server-{i}"),
                &format!("Server event {i}"),
                1 + i % 30,
            ),
        );
    }
}

const SCENARIOS: [Scenario; 8] = [
    Scenario {
        name: "add-edit-delete",
        account: &[],
        env: &[],
        before: Some(mixed_before),
        after: mixed_after,
    },
    Scenario {
        name: "add-edit-delete by etag listing",
        account: &["--no-sync-collection", "--multiget-batch", "1"],
        env: &[],
        before: Some(mixed_before),
        after: mixed_after,
    },
    Scenario {
        name: "conflicts",
        account: &[],
        env: &[],
        before: Some(conflict_before),
        after: conflict_after,
    },
    Scenario {
        name: "recurring",
        account: &[],
        env: &[],
        before: Some(recurring_before),
        after: recurring_after,
    },
    Scenario {
        name: "delete-vs-edit",
        account: &[],
        env: &[],
        before: Some(delete_edit_before),
        after: delete_edit_after,
    },
    Scenario {
        name: "first sync",
        account: &[],
        env: &[],
        before: None,
        after: first_sync,
    },
    Scenario {
        name: "first sync into an empty phone calendar, written as it arrives",
        account: &[],
        env: &[],
        before: None,
        after: first_sync_to_empty_phone,
    },
    Scenario {
        name: "first sync, every downloaded text set aside on disk",
        account: &[],
        env: &[("SYNCHRO_DOWNLOAD_MEMORY", "0")],
        before: None,
        after: first_sync,
    },
];

/// Every scenario, interrupted at every request in every way, converges.
#[test]
fn interrupted_syncs_converge() {
    let started = Instant::now();
    let queue = Mutex::new(SCENARIOS.iter().collect::<Vec<_>>());
    let outcomes = Mutex::new(Vec::new());
    // Two scenarios at a time (each has its own Radicale): two cores.
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| loop {
                let Some(s) = queue.lock().unwrap().pop() else {
                    break;
                };
                let o = run_scenario(s);
                outcomes.lock().unwrap().push(o);
            });
        }
    });
    let outcomes = outcomes.into_inner().unwrap();
    assert_eq!(outcomes.len(), SCENARIOS.len(), "a scenario panicked");
    let tried: usize = outcomes.iter().map(|o| o.tried).sum();
    let doubles: usize = outcomes.iter().map(|o| o.doubles).sum();
    let timed: usize = outcomes.iter().map(|o| o.timed).sum();
    let failures: Vec<&String> = outcomes.iter().flat_map(|o| &o.failures).collect();
    // Straight to stdout, not `println!`: the test harness captures that, and CI shows
    // this line (scripts/test.sh repeats it in its summary).
    let summary = format!(
        "crash-safety: {tried} cut points tried, {} converged \
         ({} scenarios; {doubles} with the recovery cut too, {timed} kills at a moment \
         rather than a request; {:.0} s)\n",
        tried - failures.len(),
        outcomes.len(),
        started.elapsed().as_secs_f64()
    );
    let _ = std::io::Write::write_all(&mut std::io::stdout(), summary.as_bytes());
    assert!(tried > 0);
    assert!(
        failures.is_empty(),
        "{} of {tried} interrupted syncs did not converge:\n{}",
        failures.len(),
        failures
            .iter()
            .map(|f| f.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// The harness itself: the proxy hits exactly the N-th request, where it was told.
#[test]
fn the_proxy_cuts_where_told() {
    let server = Server::start(Peer::RadicalePypi);
    let proxy = Proxy::start(&server.base_url);
    let auth = Some((
        Auth::Basic,
        server.username.as_str(),
        server.password.as_str(),
    ));
    let put = |name: &str| {
        let url = proxy.url(&server.item_url(name));
        let body = ev(name, name, 3);
        http::request("PUT", &url, auth, &[], Some(body.as_bytes()))
    };
    let on_server = |name: &str| server.get_ics(name).is_some();

    // Request 2 is cut before the server sees it; 1 and 3 pass.
    proxy.cut_nth(2, Cut::BeforeForwarding);
    assert!((200..300).contains(&put("one.ics").status));
    assert_eq!(put("two.ics").status, 0);
    assert!((200..300).contains(&put("three.ics").status));
    assert_eq!(proxy.request_count(), 3);
    assert!(on_server("one.ics") && !on_server("two.ics") && on_server("three.ics"));

    // After the server applied it: the client hears nothing, the server has it.
    proxy.reset_count();
    proxy.cut_nth(1, Cut::AfterApplied);
    assert_eq!(put("four.ics").status, 0);
    assert!(on_server("four.ics"));

    // Mid-answer: the head arrives, the body is cut short.
    proxy.reset_count();
    proxy.cut_nth(1, Cut::MidResponse);
    let url = proxy.url(&server.calendar_url);
    let r = http::request("PROPFIND", &url, auth, &[("Depth", "1")], None);
    assert!(!r.error.is_empty(), "a cut body is an error: {r:?}");
    // An answer without body is cut in its head (curl forgives a head cut after the status
    // line; `synchro` does not, which `interrupted_syncs_converge` checks by its exit code).
    proxy.reset_count();
    proxy.cut_nth(1, Cut::MidResponse);
    put("five.ics");
    assert_eq!(proxy.request_count(), 1);
    assert!(on_server("five.ics"));

    // Held before forwarding: the test knows when it is there; released, it never reaches
    // the server.
    proxy.reset_count();
    let hold = proxy.hold_nth(1, HoldPoint::BeforeForwarding);
    std::thread::scope(|scope| {
        let client = scope.spawn(|| put("six.ics"));
        assert!(hold.wait(Duration::from_secs(30), || false));
        assert!(!on_server("six.ics"));
        hold.release();
        assert_eq!(client.join().unwrap().status, 0);
    });
    assert!(!on_server("six.ics"));
    // Held after the server applied it.
    proxy.reset_count();
    let hold = proxy.hold_nth(1, HoldPoint::AfterApplied);
    std::thread::scope(|scope| {
        let client = scope.spawn(|| put("seven.ics"));
        assert!(hold.wait(Duration::from_secs(30), || false));
        assert!(on_server("seven.ics"));
        hold.release();
        assert_eq!(client.join().unwrap().status, 0);
    });
}
