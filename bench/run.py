#!/usr/bin/env python3
"""The CalDAV benchmark: synchro beside vdirsyncer, a vstorage (pimsync's library) peer, the
curl floor and the token + query floor, on one Radicale 3.9 on 127.0.0.1, at each calendar
size.

Every figure is a whole process (start, store open, sync, exit) under `/usr/bin/time -v`
(CPU from the kernel's account, `wait4`, unrounded);
within a round the tools run one after another in an order that rotates each round; a figure
is the median of the rounds. Requests are counted in Radicale's access log.

Scenarios: first (download into an empty folder), nochange (two quiet syncs: the first
after the download, then another), onechange (one event edited on the server), upload (N local events to an empty calendar), instructions (callgrind counts of
a no-change and a one-change sync). Results go to docs/bench-results.json (merged with what
is there with --merge), then docs/BENCHMARKS.md and the charts are written from it.

  bash scripts/bench.sh --sizes 1000 --runs 3
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import report
from measure import instructions, run, timed
from radicale import Radicale
from tools import ALL, PROPFIND_TOKEN, REPORT_ALL

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOLS_PY = os.path.join(ROOT, ".peers", "tools", "bin", "python")


CACHE = os.path.join(ROOT, ".cache", "bench")
# bench/vstorage-peer's `floor-stat`: a folder listed and each file's metadata read, nothing else.
FLOOR_STAT = os.path.join(CACHE, "vstorage-target", "release", "floor-stat")


def seed(count: int, folder: str, seed_no: int) -> None:
    """Copies `count` events, one .ics file each, into `folder`: made once by scripts/seed.py
    (deterministic) and kept in .cache/bench/seed-COUNT-SEED."""
    kept = os.path.join(CACHE, f"seed-{count}-{seed_no}")
    if not os.path.isdir(kept):
        run([TOOLS_PY, os.path.join(ROOT, "scripts", "seed.py"), "--count", str(count),
             "--seed", str(seed_no), "--vdir", kept + ".tmp"])
        os.rename(kept + ".tmp", kept)
    shutil.copytree(kept, folder, dirs_exist_ok=True)


def radicale_calendar(server, cal: str, size: int) -> None:
    """Calendar `cal` holding `size` events, with Radicale's caches built. Radicale parses
    every item on its first full read (its item cache), and builds a history entry per item
    the first time anyone asks for the calendar's sync-token (17 s at 10,000 events here):
    both are one-time costs of the server, paid here before any figure rather than by
    whichever tool happens to run first. The warmed collection is kept in
    .cache/bench/radicale-SIZE and copied."""
    kept = os.path.join(CACHE, f"radicale-{size}")
    if os.path.isdir(kept):
        shutil.copytree(kept, server.folder(cal))
    else:
        server.mkcalendar(cal)
        seed(size, server.folder(cal), 7)
    auth = "-u bench:bench -H 'Content-Type: application/xml'"
    subprocess.run(f"curl -sf {auth} -X REPORT -H 'Depth: 1' --data '{REPORT_ALL}' "
                   f"{server.url(cal)} -o /dev/null", shell=True, check=True)
    subprocess.run(f"curl -sf {auth} -X PROPFIND -H 'Depth: 0' --data '{PROPFIND_TOKEN}' "
                   f"{server.url(cal)} -o /dev/null", shell=True, check=True)
    if not os.path.isdir(os.path.join(kept, ".Radicale.cache", "history")):
        shutil.rmtree(kept, ignore_errors=True)
        shutil.copytree(server.folder(cal), kept + ".tmp")
        os.rename(kept + ".tmp", kept)


def ics_files(folder: str) -> int:
    """Events in a folder: its .ics files (vstorage keeps collection metadata beside them)."""
    return sum(1 for n in os.listdir(folder) if n.endswith(".ics")) if os.path.isdir(folder) else 0


FAILURES: list[str] = []


def one_sync(tool, server, scenario: str, results: list, check=None) -> None:
    """Times one sync of `tool`, counts its requests, appends the figures."""
    cmd, env = tool.sync_cmd()
    before = server.requests_so_far()
    try:
        m = timed(cmd, env=env, shell=isinstance(cmd, str))
    except RuntimeError as e:
        # A failed sync is a result too: kept (first line) and shown in the report.
        FAILURES.append(f"{tool.name}, {scenario}: {' '.join(str(e).splitlines()[:2])[-400:]}")
        print(f"  {scenario:10} {tool.name:10} FAILED", flush=True)
        return
    m["requests"] = server.requests_so_far() - before
    del m["stdout"]
    if check:
        check()
    results.append(m)
    print(f"  {scenario:10} {tool.name:10} wall {m['wall']:7.3f}s cpu {m['cpu']:7.3f}s "
          f"rss {m['rss_mib']:6.1f}MiB req {m['requests']}", flush=True)


def edit_one(server, cal: str, marker: str) -> None:
    """Edits one event on the server (a new SUMMARY), as another client would."""
    folder = server.folder(cal)
    name = sorted(n for n in os.listdir(folder) if not n.startswith("."))[len(marker) % 7]
    with open(os.path.join(folder, name), "rb") as f:
        body = f.read().decode()
    body = re.sub(r"^SUMMARY[^\r\n]*(\r?\n[ \t][^\r\n]*)*", f"SUMMARY:{marker}", body, count=1,
                  flags=re.M)
    with tempfile.NamedTemporaryFile("w", suffix=".ics", delete=False) as f:
        f.write(body)
    server.curl("-f", "-X", "PUT", "-H", "Content-Type: text/calendar", "--data-binary",
                f"@{f.name}", server.url(cal) + name, "-o", "/dev/null")
    os.remove(f.name)


def has_marker(folder: str, marker: str) -> bool:
    p = subprocess.run(["grep", "-rlF", marker, folder], stdout=subprocess.PIPE, text=True)
    return len(p.stdout.split()) == 1


def expect(cond: bool, what: str) -> None:
    if not cond:
        raise RuntimeError(f"check failed: {what}")


def bench_size(args, server, work, size: int, tools, out: dict) -> None:
    tools = [t for t in tools if size <= args.max_size.get(t.name, size)]
    cal = f"cal{size}"
    print(f"# {size} events: seeding", flush=True)
    radicale_calendar(server, cal, size)
    res = out.setdefault(str(size), {})
    scen = {s: {t.name: [] for t in tools} for s in ("first", "settle", "nochange", "onechange")}
    insts = [t for t in tools if t.name in args.callgrind.split(",")]
    folder_stat: list = []
    for r in range(args.runs):
        order = tools[r % len(tools):] + tools[:r % len(tools)]
        print(f"## {size} events, round {r + 1}/{args.runs}", flush=True)
        if "first" in args.scenarios:
            for t in order:
                t.reset(f"{size}", cal)
                one_sync(t, server, "first", scen["first"][t.name],
                         lambda t=t: expect(ics_files(t.local()) == size,
                                            f"{t.name} holds {ics_files(t.local())} of {size}"))
        if "nochange" in args.scenarios:
            # Twice: the first sync after the download, then the same again (a tool may keep
            # something from a quiet sync that makes the next ones cheaper).
            for s in ("settle", "nochange"):
                for t in (t for t in order if not t.first_only):
                    one_sync(t, server, s, scen[s][t.name])
            # What the device check of a folder needs at least: the metadata of each of its
            # files, read by `floor-stat` alone right after synchro's no-change sync of it.
            for t in (t for t in tools if t.name == "synchro"):
                m = timed([FLOOR_STAT, t.local()])
                del m["stdout"]
                folder_stat.append(m)
                print(f"  {'nochange':10} {'floor-stat':10} wall {m['wall']:7.3f}s "
                      f"cpu {m['cpu']:7.3f}s", flush=True)
        if "onechange" in args.scenarios:
            marker = f"Bench change {size} {r}"
            edit_one(server, cal, marker)
            for t in order:
                if not t.is_sync:
                    continue
                one_sync(t, server, "onechange", scen["onechange"][t.name],
                         lambda t=t: expect(has_marker(t.local(), marker),
                                            f"{t.name} did not get the change"))
    for s, per_tool in scen.items():
        for name, ms in per_tool.items():
            if ms:
                res.setdefault(s, {})[name] = ms
    if folder_stat:
        res["folder_stat"] = folder_stat
    if "instructions" in args.scenarios and insts:
        print(f"## {size} events: instructions (callgrind)", flush=True)
        counts = res.setdefault("instructions", {})
        # The rounds ended with a change: the first quiet sync after it, then another.
        for s in ("settle", "nochange"):
            for t in insts:
                cmd, env = t.sync_cmd()
                counts.setdefault(s, {})[t.name] = instructions(cmd, env)
        marker = f"Bench change {size} callgrind"
        edit_one(server, cal, marker)
        for t in insts:
            cmd, env = t.sync_cmd()
            counts.setdefault("onechange", {})[t.name] = instructions(cmd, env)
            expect(has_marker(t.local(), marker), f"{t.name} did not get the change")
        print("  " + json.dumps(counts), flush=True)
    # The calendar stays on the server until the run ends: removing its files now would slow
    # down the file creations of the next size (see `tools.set_aside`).


def bench_upload(args, server, work, tools, out: dict) -> None:
    template = os.path.join(work, "upload-template")
    seed(args.upload_count, template, 11)
    res = out["upload"] = {"count": args.upload_count}
    ups = [t for t in tools if t.is_sync]
    for r in range(args.upload_runs):
        print(f"## upload of {args.upload_count} events, round {r + 1}/{args.upload_runs}",
              flush=True)
        for t in ups[r % len(ups):] + ups[:r % len(ups)]:
            cal = f"up-{t.name}-{r}"
            server.mkcalendar(cal)
            t.reset(f"up{r}", cal, local_from=template)
            one_sync(t, server, "upload", res.setdefault(t.name, []),
                     lambda: expect(ics_files(server.folder(cal)) == args.upload_count,
                                    f"server holds {ics_files(server.folder(cal))}"))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--sizes", default="1000,10000,50000", help="calendar sizes (events)")
    p.add_argument("--runs", type=int, default=5, help="rounds per size (median)")
    p.add_argument("--tools", default="synchro,vdirsyncer,vstorage,curl,tokenfloor")
    p.add_argument("--scenarios", default="first,nochange,onechange,upload,instructions")
    p.add_argument("--callgrind", default="synchro,vstorage",
                   help="tools whose instructions are counted")
    p.add_argument("--upload-count", type=int, default=1000)
    p.add_argument("--upload-runs", type=int, default=3)
    p.add_argument("--max-size", default="",
                   help="TOOL=N,...: run TOOL only on calendars of at most N events")
    p.add_argument("--merge", action="store_true",
                   help="keep the figures of docs/bench-results.json not measured now")
    p.add_argument("--syncml", action="store_true", help="also the SyncML comparison")
    p.add_argument("--syncml-count", type=int, default=1000,
                   help="events of the SyncML comparison's calendar")
    p.add_argument("--out", default=os.path.join(ROOT, "docs"))
    args = p.parse_args()
    args.scenarios = args.scenarios.split(",")
    args.max_size = {k: int(v) for k, v in (x.split("=") for x in args.max_size.split(",") if x)}
    results_path = os.path.join(args.out, "bench-results.json")
    out = {}
    if args.merge and os.path.exists(results_path):
        with open(results_path) as f:
            out = json.load(f)
    caldav = out.setdefault("caldav", {})
    work = tempfile.mkdtemp(prefix="synchro-bench-")
    server = Radicale(ROOT, work)
    try:
        tools = [ALL[n](ROOT, server, work) for n in args.tools.split(",")]
        for size in [int(s) for s in args.sizes.split(",") if s]:
            bench_size(args, server, work, size, tools, caldav)
        if "upload" in args.scenarios:
            bench_upload(args, server, work, tools, caldav)
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    if args.syncml:
        import syncml
        out["syncml"] = syncml.bench(ROOT, args.runs, args.syncml_count)
    if FAILURES:
        out["failures"] = out.get("failures", []) + FAILURES
    cmdline = "bash scripts/bench.sh " + " ".join(sys.argv[1:])
    out.setdefault("commands", [])
    out["commands"] = [c for c in out["commands"] if c != cmdline] + [cmdline]
    out["date"] = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    out["machine"] = report.machine()
    os.makedirs(args.out, exist_ok=True)
    with open(results_path, "w") as f:
        json.dump(out, f, indent=1)
    report.write(out, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
