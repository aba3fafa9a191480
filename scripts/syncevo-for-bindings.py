#!/usr/bin/env python3
"""Runs SyncEvolution's SyncML server (scripts/syncevo-server.sh) on a free 127.0.0.1 port
for the binding tests, as tests/src/syncevo.rs does for the Rust tests: a temporary HOME,
and --phones N peers for the SyncML device ids synchro-phone-1 .. synchro-phone-N, user
test / password test, all storing their items in one shared folder (so the phones share one
server calendar), which holds --seed events (UID seed-1 .., SUMMARY "Seed 1" ..) at start.
The datastore URI is `calendar`.

Writes the server's URL to --url-file once it answers, then runs until SIGTERM/SIGINT, when
it kills the server's whole process group (dbus-run-session, the D-Bus daemon,
syncevo-dbus-server and its helpers, the HTTP front end), waits until none of it is left and
removes the HOME."""

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
URL_PATH = "/syncevolution"
SEED = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//synchro bindings test//EN\r
BEGIN:VEVENT\r
UID:seed-{n}\r
DTSTAMP:20260101T000000Z\r
DTSTART:202603{day:02d}T090000Z\r
DTEND:202603{day:02d}T100000Z\r
SUMMARY:Seed {n}\r
END:VEVENT\r
END:VCALENDAR\r
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def group_members(pgid):
    """Live (not zombie) processes of process group `pgid`."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 1:].split()
        if len(fields) > 2 and fields[0] != "Z" and fields[2] == str(pgid):
            out.append(int(entry))
    return out


def kill_group(child):
    """TERM, then KILL, the child's process group until nothing of it runs."""
    pgid = child.pid
    try:
        os.killpg(pgid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    deadline = time.time() + 5
    while group_members(pgid) and time.time() < deadline:
        child.poll()
        time.sleep(0.05)
    while group_members(pgid):
        try:
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        child.poll()
        time.sleep(0.02)
    try:
        child.wait(5)
    except subprocess.TimeoutExpired:
        pass


def server_env(home):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DBUS_SESSION_BUS_ADDRESS", "DISPLAY", "XDG_RUNTIME_DIR")}
    env.update(HOME=home, XDG_CONFIG_HOME=os.path.join(home, ".config"),
               XDG_DATA_HOME=os.path.join(home, ".local/share"),
               XDG_CACHE_HOME=os.path.join(home, ".cache"))
    return env


def configure_peer(home, n, data_dir):
    """Peer pN in context cN for device id synchro-phone-N (see tests/src/syncevo.rs)."""
    cmd = ["/usr/bin/syncevolution", "--daemon=no", "--configure",
           "--template", "SyncEvolution Client", "keyring=no",
           f"remoteDeviceId=synchro-phone-{n}", "username=test", "password=test",
           "preventSlowSync=0", "backend=file", "databaseFormat=text/calendar",
           f"database=file://{data_dir}", f"p{n}@c{n}", "calendar"]
    done = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          env=server_env(home))
    if done.returncode != 0:
        raise RuntimeError(f"syncevolution --configure p{n}: {done.stdout}{done.stderr}")


def answers(url):
    try:
        urllib.request.urlopen(url, timeout=5).close()
        return True
    except urllib.error.HTTPError:
        return True  # a GET gets a 500: the server is up
    except OSError:
        return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--phones", type=int, default=3)
    ap.add_argument("--seed", type=int, default=2)
    ap.add_argument("--url-file", required=True)
    args = ap.parse_args()
    home = tempfile.mkdtemp(prefix="synchro-bindings-syncevo-")
    data_dir = os.path.join(home, "data", "shared")
    os.makedirs(data_dir)
    for n in range(1, args.seed + 1):
        with open(os.path.join(data_dir, f"seed-{n}.ics"), "w", newline="") as f:
            f.write(SEED.format(n=n, day=n))
    port = free_port()
    url = f"http://127.0.0.1:{port}{URL_PATH}"
    log = open(os.path.join(home, "server.log"), "w")
    child = subprocess.Popen(
        ["/bin/bash", os.path.join(ROOT, "scripts/syncevo-server.sh"), str(port),
         os.path.join(home, "run")],
        stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=server_env(home),
        start_new_session=True)

    def stop(*_):
        kill_group(child)
        shutil.rmtree(home, ignore_errors=True)
        sys.exit(0)

    def fail(why):
        log.flush()
        with open(log.name) as f:
            sys.stderr.write(f.read())
        sys.stderr.write(f"syncevolution server: {why}\n")
        kill_group(child)
        shutil.rmtree(home, ignore_errors=True)
        sys.exit(1)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    deadline = time.time() + 60
    while not answers(url):
        if child.poll() is not None:
            fail(f"exited with {child.returncode}")
        if time.time() > deadline:
            fail("nothing answers")
        time.sleep(0.1)
    try:
        for n in range(1, args.phones + 1):
            configure_peer(home, n, data_dir)
    except RuntimeError as e:
        fail(str(e))
    tmp = args.url_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(url)
    os.replace(tmp, args.url_file)
    child.wait()
    fail(f"exited with {child.returncode}")


if __name__ == "__main__":
    main()
