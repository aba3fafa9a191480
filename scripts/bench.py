#!/usr/bin/env python3
"""Benchmark: synchro side by side with vdirsyncer (and the curl floor) on a real Radicale
(PyPI) on 127.0.0.1 holding N events made by scripts/seed.py.

Reports, for the first (download) sync and the no-change sync: wall time (median of
--runs), requests (from `synchro sync --json`), and synchro's peak memory (`/usr/bin/time -v`);
then a sweep of calendar-multiget batch sizes. Numbers are medians; the machine is shared
and noisy, so compare ratios, not absolute times.

  bash scripts/bench.sh [--count 5000] [--runs 5] [--batches 10,25,50,100,200]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEERS = os.path.join(ROOT, ".peers")
SYNCHRO = os.path.join(ROOT, "target", "release", "synchro")
USER, PASSWORD = "bench", "bench"


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def run(cmd, env=None, check=True, capture=True):
    return subprocess.run(cmd, env=env, check=check, text=True,
                          stdout=subprocess.PIPE if capture else None,
                          stderr=subprocess.PIPE if capture else None)


class Radicale:
    @staticmethod
    def start(work: str) -> "Radicale":
        r = Radicale.__new__(Radicale)
        r.port = free_port()
        r.base = f"http://127.0.0.1:{r.port}/"
        r.cal = f"{r.base}{USER}/cal/"
        py = os.path.join(PEERS, "radicale", "bin", "python")
        hashed = run([py, "-c", "import bcrypt,sys;print(bcrypt.hashpw(sys.argv[1].encode(),bcrypt.gensalt(4)).decode())", PASSWORD]).stdout.strip()
        with open(os.path.join(work, "users"), "w") as f:
            f.write(f"{USER}:{hashed}\n")
        conf = os.path.join(work, "radicale.conf")
        with open(conf, "w") as f:
            f.write(f"[server]\nhosts = 127.0.0.1:{r.port}\n[auth]\ntype = htpasswd\n"
                    f"htpasswd_filename = {work}/users\nhtpasswd_encryption = bcrypt\n"
                    f"[rights]\ntype = owner_only\n[storage]\nfilesystem_folder = {work}/collections\n"
                    f"[logging]\nlevel = warning\n")
        r.proc = subprocess.Popen([os.path.join(PEERS, "radicale", "bin", "radicale"), "--config", conf],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(200):
            try:
                urllib.request.urlopen(r.base, timeout=1)
                break
            except Exception as e:  # noqa: BLE001 - 401 or refused while starting
                if hasattr(e, "code"):
                    break
                time.sleep(0.05)
        run(["curl", "-sf", "-u", f"{USER}:{PASSWORD}", "-X", "MKCALENDAR", r.cal, "-o", "/dev/null"])
        return r

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


def synchro_env(db: str) -> dict:
    env = dict(os.environ)
    env["SYNCHRO_DB"] = db
    env["SYNCHRO_PASSWORD"] = PASSWORD
    return env


def synchro_account(work: str, cal: str, name: str, batch: int | None = None) -> dict:
    db = os.path.join(work, f"{name}.db")
    vdir = os.path.join(work, f"{name}-phone")
    shutil.rmtree(vdir, ignore_errors=True)
    if os.path.exists(db):
        os.remove(db)
    env = synchro_env(db)
    args = [SYNCHRO, "account", "add", name, "--caldav", cal, "--username", USER,
            "--local", f"vdir:{vdir}", "--calendar", cal,
            # The benchmark server is plain http on 127.0.0.1 with Basic auth.
            "--allow-insecure-http"]
    if batch:
        args += ["--multiget-batch", str(batch)]
    run(args, env=env)
    return env


def synchro_sync(env: dict, timed: bool = False) -> tuple[dict, float, int | None]:
    cmd = [SYNCHRO, "sync", "--json"]
    if timed:
        cmd = ["/usr/bin/time", "-v"] + cmd
    t0 = time.monotonic()
    p = run(cmd, env=env)
    wall = time.monotonic() - t0
    report = json.loads(p.stdout.strip().splitlines()[-1])
    rss = None
    if timed:
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
        rss = int(m.group(1)) if m else None
    assert report["status"] == "ok", report
    return report, wall, rss


def vdirsyncer_setup(work: str, cal: str) -> tuple[list[str], dict]:
    home = os.path.join(work, "vds")
    shutil.rmtree(home, ignore_errors=True)
    os.makedirs(os.path.join(home, "local"))
    cfg = os.path.join(home, "config")
    with open(cfg, "w") as f:
        f.write(f"""[general]
status_path = "{home}/status/"

[pair bench]
a = "bench_local"
b = "bench_remote"
collections = null
conflict_resolution = "b wins"

[storage bench_local]
type = "filesystem"
path = "{home}/local/"
fileext = ".ics"

[storage bench_remote]
type = "caldav"
url = "{cal}"
username = "{USER}"
password = "{PASSWORD}"
""")
    vds = os.path.join(PEERS, "vdirsyncer", "bin", "vdirsyncer")
    env = dict(os.environ)
    env["VDIRSYNCER_CONFIG"] = cfg
    return [vds], env


def timed(cmd, env) -> float:
    t0 = time.monotonic()
    run(cmd, env=env)
    return time.monotonic() - t0


def curl_floor(cal: str) -> float:
    body = ('<?xml version="1.0"?><c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">'
            '<d:prop><d:getetag/><c:calendar-data/></d:prop><c:filter><c:comp-filter name="VCALENDAR">'
            '<c:comp-filter name="VEVENT"/></c:comp-filter></c:filter></c:calendar-query>')
    t0 = time.monotonic()
    run(["curl", "-sf", "-u", f"{USER}:{PASSWORD}", "-X", "REPORT", "-H", "Depth: 1",
         "-H", "Content-Type: application/xml", "--data", body, cal, "-o", "/dev/null"])
    return time.monotonic() - t0


def med(xs):
    return statistics.median(xs)


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--count", type=int, default=5000)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--batches", default="10,25,50,100,200")
    args = p.parse_args()
    work = tempfile.mkdtemp(prefix="synchro-bench-")
    server = Radicale.start(work)
    try:
        ics = os.path.join(work, "cal.ics")
        run([os.path.join(PEERS, "tools", "bin", "python"), os.path.join(ROOT, "scripts", "seed.py"),
             "--count", str(args.count), "--seed", "7", "--ics", ics])
        run([os.path.join(PEERS, "tools", "bin", "python"), os.path.join(ROOT, "scripts", "upload.py"),
             "--url", server.cal, "--user", USER, "--password", PASSWORD, "--ics", ics, "--mode", "bulk"])
        print(f"# {args.count} events on Radicale (PyPI) at {server.cal}; medians of {args.runs} runs\n")

        # synchro: first download sync (fresh store and folder each run), no-change sync.
        first, first_req, rss, nochange, nochange_req = [], [], [], [], []
        for i in range(args.runs):
            env = synchro_account(work, server.cal, f"s{i}")
            rep, wall, kb = synchro_sync(env, timed=True)
            assert rep["device"]["added"] == args.count, rep
            first.append(rep["duration_ms"] / 1000)
            first_req.append(rep["requests"])
            rss.append(kb)
            rep, wall, _ = synchro_sync(env)
            nochange.append(rep["duration_ms"] / 1000)
            nochange_req.append(rep["requests"])
        for i in range(args.runs - 1):
            rep, wall, _ = synchro_sync(env)
            nochange.append(rep["duration_ms"] / 1000)

        # vdirsyncer on the same calendar.
        v_first, v_nochange = [], []
        for i in range(max(1, args.runs // 2)):
            cmd, env = vdirsyncer_setup(work, server.cal)
            run(cmd + ["discover"], env=env)
            v_first.append(timed(cmd + ["sync"], env))
        for i in range(args.runs):
            v_nochange.append(timed(cmd + ["sync"], env))
        floor = [curl_floor(server.cal) for _ in range(args.runs)]

        print("| measure | synchro | vdirsyncer 0.21 | curl floor (1 REPORT) |")
        print("|---|---|---|---|")
        print(f"| first sync, {args.count} events (s) | {med(first):.2f} | {med(v_first):.2f} | {med(floor):.2f} |")
        print(f"| first sync requests | {int(med(first_req))} | - | 1 |")
        print(f"| no-change sync (s) | {med(nochange):.3f} | {med(v_nochange):.3f} | - |")
        print(f"| no-change sync requests | {int(med(nochange_req))} | - | - |")
        print(f"| first sync peak RSS (MiB) | {med(rss) / 1024:.1f} | - | - |")
        print(f"| ratio vdirsyncer / synchro, first sync | {med(v_first) / med(first):.1f}x | | |")
        print(f"| ratio vdirsyncer / synchro, no-change | {med(v_nochange) / max(med(nochange), 1e-6):.1f}x | | |")

        print("\n| multiget batch | first sync (s) | requests | peak RSS (MiB) |")
        print("|---|---|---|---|")
        for b in [int(x) for x in args.batches.split(",") if x]:
            times, reqs, kbs = [], [], []
            for i in range(max(1, args.runs // 2)):
                env = synchro_account(work, server.cal, f"b{b}-{i}", batch=b)
                rep, wall, kb = synchro_sync(env, timed=True)
                times.append(rep["duration_ms"] / 1000)
                reqs.append(rep["requests"])
                kbs.append(kb)
            print(f"| {b} | {med(times):.2f} | {int(med(reqs))} | {med(kbs) / 1024:.1f} |")
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
