//! The seeding scripts from the tests: `scripts/seed.py` (a realistic university calendar
//! written by the `icalendar` PyPI package) and `scripts/upload.py` (fast upload to a
//! collection), run with the `.peers/tools` Python that `scripts/install-peers.sh` makes.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::servers::{repo_root, Peer, Server};

/// The Python of the tools venv (`$SYNCHRO_TOOLS_PYTHON` overrides it).
pub fn tools_python() -> PathBuf {
    let p = std::env::var_os("SYNCHRO_TOOLS_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join(".peers/tools/bin/python"));
    assert!(
        p.exists(),
        "{} not found: run scripts/install-peers.sh",
        p.display()
    );
    p
}

/// Runs a script; returns (stdout, stderr). Panics with stderr when it fails.
fn run_script(script: &str, args: &[&str], stdin: Option<&[u8]>) -> (Vec<u8>, String) {
    let mut child = Command::new(tools_python())
        .arg(repo_root().join("scripts").join(script))
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {script}: {e}"));
    if let Some(data) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(data)
            .expect("write to script");
    }
    let out = child.wait_with_output().expect("script output");
    assert!(
        out.status.success(),
        "{script} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A seeded calendar as one iCalendar text: `count` events (UIDs), deterministic for a given
/// `seed` and `start` (`YYYY-MM-DD`, moved to its Monday).
pub fn seed_ics(count: usize, seed: u64, start: &str) -> String {
    let out = run_script(
        "seed.py",
        &[
            "--count",
            &count.to_string(),
            "--seed",
            &seed.to_string(),
            "--start",
            start,
        ],
        None,
    );
    String::from_utf8(out.0).expect("seed.py writes UTF-8")
}

/// Writes a seeded calendar into `dir` as a vdir (one `.ics` per event).
pub fn seed_vdir(dir: &Path, count: usize, seed: u64, start: &str) {
    run_script(
        "seed.py",
        &[
            "--count",
            &count.to_string(),
            "--seed",
            &seed.to_string(),
            "--start",
            start,
            "--vdir",
            dir.to_str().expect("UTF-8 path"),
        ],
        None,
    );
}

impl Server {
    /// Uploads a calendar (one VCALENDAR, any number of UIDs) into the test calendar with
    /// `scripts/upload.py --mode auto`: one bulk PUT when the server takes it (Radicale, empty
    /// collection), else one PUT per UID. Returns the script's summary line (it says which
    /// way was used).
    pub fn upload(&self, ics: &str) -> String {
        let mut args = vec![
            "--url",
            &self.calendar_url,
            "--user",
            &self.username,
            "--password",
            &self.password,
            "--ics",
            "-",
        ];
        if self.peer == Peer::XandikosDigest {
            args.push("--digest");
        }
        run_script("upload.py", &args, Some(ics.as_bytes())).1
    }
}
