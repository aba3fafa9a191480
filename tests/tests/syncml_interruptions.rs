//! A SyncML session interrupted at every message boundary converges: for a two-way sync with
//! additions, edits and deletions on both sides, the fault proxy cuts request k (before the
//! server sees it, after the server applied it, in the middle of its answer) for every k of
//! the uninterrupted session; then a normal sync must succeed and reach the state of the
//! uninterrupted run (nothing lost, no UID twice on either side), and the sync after it must
//! have nothing to do.
//!
//! Cuts where the server applied our changes but its answer was lost are recovered through
//! a resume (Alert 225): SyncEvolution refuses it (509, no suspend support in its backend)
//! and alerts a normal sync, so the client holds back the additions it sent without an
//! answer (pairing them by UID with what the server sends), then refreshes from the server
//! (whose lost changes it counts as sent) and sends what still has no twin there.
//!
//! Every attempt runs with its own peer (device id) of one SyncEvolution server, so that a
//! session the server still holds open from a cut cannot touch the next attempt.
//!
//! The summary line reads `syncml-interruptions: N cut points tried, M converged`.

use serde_json::Value;
use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;
use synchro_tests::calendar::{simple, vdir_files, vdir_find, with_summary};
use synchro_tests::proxy::{Cut, Proxy};
use synchro_tests::syncevo::{PeerConfig, PeerOpts, SyncEvoServer};
use synchro_tests::Cli;

/// One account syncing a vdir with one peer of the server, through the proxy.
struct World<'a> {
    server: &'a SyncEvoServer,
    peer: PeerConfig,
    cli: Cli,
    vdir: PathBuf,
}

fn world<'a>(server: &'a SyncEvoServer, proxy: &Proxy, n: usize) -> World<'a> {
    let opts = PeerOpts::default();
    let device = format!("synchro-cut-{}-{n}", std::process::id());
    let peer = server.add_peer(&device, &opts);
    let cli = Cli::new(&opts.password);
    let spec = cli.vdir_spec("phone");
    let vdir = cli.dir().join("phone");
    fs::create_dir_all(&vdir).unwrap();
    let url = proxy.url(&server.url);
    cli.run(&[
        "account",
        "add",
        "t",
        "--syncml",
        &url,
        "--username",
        "test",
        "--local",
        &spec,
        "--device-id",
        &device,
        "--server-uri",
        &peer.datastore_uri,
    ])
    .expect_ok();
    World {
        server,
        peer,
        cli,
        vdir,
    }
}

fn ev(uid: &str, summary: &str, day: u32) -> String {
    simple(uid, summary, &format!("202604{day:02}T090000Z"))
}

impl World<'_> {
    fn sync(&self) -> (i32, Value, String) {
        let out = self.cli.run(&["sync", "t", "--json"]);
        let report = out.json().into_iter().next().unwrap_or(Value::Null);
        (out.code, report, out.to_string())
    }

    fn write_local(&self, name: &str, ics: &str) {
        fs::write(self.vdir.join(name), ics).unwrap();
    }

    /// Both sides before the sync under test, after a clean first sync.
    fn prepare(&self) {
        for (i, uid) in ["dev-1", "dev-2", "dev-3"].iter().enumerate() {
            self.write_local(&format!("{uid}.ics"), &ev(uid, uid, i as u32 + 1));
        }
        for (i, uid) in ["srv-1", "srv-2", "srv-3"].iter().enumerate() {
            self.server
                .put_item(&self.peer, uid, &ev(uid, uid, i as u32 + 10));
        }
        let (code, r, out) = self.sync();
        assert_eq!(code, 0, "first sync: {out}");
        assert_eq!(r["status"], "ok", "{r}");
        // Changes of both sides: an addition, an edit and a deletion each.
        std::thread::sleep(std::time::Duration::from_millis(1100));
        self.write_local("dev-4.ics", &ev("dev-4", "dev-4", 4));
        let (name, text) = vdir_find(&self.vdir, "dev-1").unwrap();
        self.write_local(&name, &with_summary(&text, "dev-1 edited"));
        let (name, _) = vdir_find(&self.vdir, "dev-2").unwrap();
        fs::remove_file(self.vdir.join(name)).unwrap();
        self.server
            .put_item(&self.peer, "srv-4", &ev("srv-4", "srv-4", 14));
        let (name, text) = self.server_file("srv-1");
        self.server
            .put_item(&self.peer, &name, &with_summary(&text, "srv-1 edited"));
        let (name, _) = self.server_file("srv-2");
        assert!(self.server.remove_item(&self.peer, &name));
    }

    fn server_file(&self, uid: &str) -> (String, String) {
        self.server
            .item_files(&self.peer)
            .into_iter()
            .find(|(_, t)| uids(t).iter().any(|u| u == uid))
            .unwrap_or_else(|| panic!("{uid} on the server"))
    }

    /// UID → summaries on each side (more than one summary: a duplicate).
    fn state(&self) -> (Side, Side) {
        let server = side(self.server.items(&self.peer));
        let device = side(vdir_files(&self.vdir).into_iter().map(|(_, t)| t).collect());
        (server, device)
    }
}

type Side = BTreeMap<String, Vec<String>>;

fn uids(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.trim_end().strip_prefix("UID:"))
        .map(str::to_string)
        .collect()
}

fn side(items: Vec<String>) -> Side {
    let mut out: Side = BTreeMap::new();
    for t in items {
        let summary = t
            .lines()
            .find_map(|l| l.trim_end().strip_prefix("SUMMARY:"))
            .unwrap_or_default()
            .to_string();
        for uid in uids(&t) {
            out.entry(uid).or_default().push(summary.clone());
        }
    }
    out
}

fn changes(r: &Value) -> u64 {
    ["server", "device"]
        .iter()
        .flat_map(|s| ["added", "updated", "deleted"].map(|k| r[s][k].as_u64().unwrap_or(0)))
        .sum()
}

/// The interrupted sync at request `k` (`last_package`: the last request of the session),
/// then recovery; `Err` says what went wrong.
fn attempt(
    w: &World,
    proxy: &Proxy,
    k: usize,
    cut: Cut,
    last_package: bool,
    reference: &(Side, Side),
) -> Result<(), String> {
    proxy.reset_count();
    proxy.cut_nth(k, cut);
    let (code, _, out) = w.sync();
    proxy.reset_count();
    if code == 0 {
        return Err(format!("the cut sync did not fail: {out}"));
    }
    if last_package && cut == Cut::BeforeForwarding {
        // The server's Add (srv-4) is on the device, our Map never reached the server: it
        // waits in the store, to be sent again.
        let db = rusqlite::Connection::open(w.cli.db()).unwrap();
        let maps: i64 = db
            .query_row("SELECT count(*) FROM syncml_maps", [], |r| r.get(0))
            .unwrap();
        if maps == 0 {
            return Err("no pending Map kept after the cut".into());
        }
        if vdir_find(&w.vdir, "srv-4").is_none() {
            return Err("the server's Add was not applied before the cut".into());
        }
    }
    let (code, r, out) = w.sync();
    if code != 0 || r["status"] != "ok" {
        return Err(format!("recovery failed ({code}): {out}"));
    }
    let (code, r, out) = w.sync();
    if code != 0 || changes(&r) != 0 {
        return Err(format!(
            "the sync after recovery still had work ({code}): {out}"
        ));
    }
    let state = w.state();
    if &state != reference {
        return Err(format!(
            "state differs:\n server {:?}\n device {:?}\n reference server {:?}\n reference device {:?}",
            state.0, state.1, reference.0, reference.1
        ));
    }
    Ok(())
}

/// Runs the reference, then every cut point; returns (tried, failures).
fn run() -> (usize, Vec<String>) {
    let server = SyncEvoServer::start();
    let origin = server
        .url
        .split("/syncevolution")
        .next()
        .unwrap()
        .to_string();
    let proxy = Proxy::start(&origin);
    let mut n = 0;
    let mut next = || {
        n += 1;
        n
    };

    // Reference: the same sync, uninterrupted.
    let w = world(&server, &proxy, next());
    w.prepare();
    proxy.reset_count();
    let (code, r, out) = w.sync();
    assert_eq!(code, 0, "{out}");
    assert_eq!(changes(&r), 6, "{r}");
    let requests = proxy.request_count();
    // Package 1, package 3 (our changes), package 5 (Statuses and the Map).
    assert!(requests >= 3, "{requests} requests");
    let reference = w.state();
    for (uid, summaries) in reference.0.iter().chain(reference.1.iter()) {
        assert_eq!(summaries.len(), 1, "{uid} twice in the reference");
    }
    assert_eq!(reference.0, reference.1);
    assert_eq!(reference.0.len(), 6, "{:?}", reference.0);

    let mut tried = 0;
    let mut failures = Vec::new();
    for k in 1..=requests {
        for cut in [Cut::BeforeForwarding, Cut::AfterApplied, Cut::MidResponse] {
            let w = world(&server, &proxy, next());
            w.prepare();
            tried += 1;
            if let Err(e) = attempt(&w, &proxy, k, cut, k == requests, &reference) {
                failures.push(format!("request {k} of {requests}, {cut:?}: {e}"));
            }
        }
    }
    (tried, failures)
}

#[test]
fn interrupted_sessions_converge() {
    let (tried, failures) = run();
    let summary = format!(
        "syncml-interruptions: {tried} cut points tried, {} converged",
        tried - failures.len()
    );
    // Straight to stdout, so the summary shows without --nocapture.
    let _ = std::io::Write::write_all(&mut std::io::stdout(), format!("{summary}\n").as_bytes());
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
