"""docs/BENCHMARKS.md and its charts, from the results run.py collected."""

from __future__ import annotations

import os
import platform
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from measure import median  # noqa: E402
from tools import ALL  # noqa: E402

ORDER = ["synchro", "vstorage", "vdirsyncer", "curl", "tokenfloor", "durablefloor"]
SCENARIOS = [("first", "first sync (download)"),
             ("settle", "no-change sync, the first after the download"),
             ("nochange", "no-change sync, again"), ("onechange", "one change on the server")]


def machine() -> str:
    with open("/proc/cpuinfo") as f:
        cpu = f.read()
    model = re.search(r"model name\s*: (.*)", cpu)
    cores = len(re.findall(r"^processor\s*:", cpu, re.M))
    with open("/proc/meminfo") as f:
        mem = int(re.search(r"MemTotal:\s+(\d+)", f.read()).group(1)) // 1024
    u = platform.uname()
    return (f"{model.group(1) if model else 'unknown CPU'}, {cores} logical CPUs, {mem} MiB; "
            f"`{u.system} {u.release} {u.machine}`")


def med(ms, key):
    return median([m[key] for m in ms]) if ms else None


def fmt(x, unit="s"):
    if x is None:
        return "–"
    if unit == "s":
        return f"{x:.3f}" if x < 1 else f"{x:.2f}"
    if unit == "MiB":
        return f"{x:.1f}"
    return f"{x:g}"


def tools_in(caldav):
    seen = {t for size in caldav.values() if isinstance(size, dict)
            for s, _ in SCENARIOS for t in size.get(s, {})}
    return [t for t in ORDER if t in seen]


def sizes(caldav):
    return sorted(int(s) for s in caldav if s.isdigit())


def table(caldav) -> list[str]:
    names = tools_in(caldav)
    lines = ["| events | scenario | figure | " + " | ".join(ALL[n].label for n in names) + " |",
             "|---:|---|---|" + "---:|" * len(names)]
    for size in sizes(caldav):
        res = caldav[str(size)]
        for s, title in SCENARIOS:
            per = res.get(s, {})
            if not per:
                continue
            for key, what, unit in (("wall", "wall (s)", "s"), ("cpu", "user+sys CPU (s)", "s"),
                                    ("rss_mib", "peak RSS (MiB)", "MiB"),
                                    ("requests", "requests", "")):
                if s != "first" and key == "rss_mib":
                    continue
                cells = [fmt(med(per.get(n), key), unit) for n in names]
                lines.append(f"| {size:,} | {title} | {what} | " + " | ".join(cells) + " |")
        counts = res.get("instructions", {})
        for s, title in (("settle", "no-change, the first after a change"),
                         ("nochange", "no-change, again"), ("onechange", "one change")):
            if counts.get(s):
                cells = [f"{counts[s][n] / 1e6:,.1f} M" if n in counts[s] else "–"
                         for n in names]
                lines.append(f"| {size:,} | {title} | instructions (callgrind) | "
                             + " | ".join(cells) + " |")
    return lines


def upload_table(caldav) -> list[str]:
    up = caldav.get("upload")
    if not up:
        return []
    names = [n for n in ORDER if n in up]
    lines = [f"Upload: a first sync of {up['count']:,} local events to an empty calendar.", "",
             "| figure | " + " | ".join(ALL[n].label for n in names) + " |",
             "|---|" + "---:|" * len(names)]
    for key, what, unit in (("wall", "wall (s)", "s"), ("cpu", "user+sys CPU (s)", "s"),
                            ("rss_mib", "peak RSS (MiB)", "MiB"), ("requests", "requests", "")):
        lines.append(f"| {what} | " + " | ".join(fmt(med(up[n], key), unit) for n in names) + " |")
    lines.append(f"| runs | " + " | ".join(str(len(up[n])) for n in names) + " |")
    return lines


def chart(caldav, out_dir, key, file, ylabel) -> None:
    names = tools_in(caldav)
    scen = [s for s in SCENARIOS if key != "rss_mib" or s[0] == "first"]
    fig, axes = plt.subplots(1, len(scen), figsize=(5 * len(scen), 4.2), squeeze=False)
    for ax, (s, title) in zip(axes[0], scen):
        for n in names:
            pts = [(size, med(caldav[str(size)].get(s, {}).get(n), key)) for size in sizes(caldav)]
            pts = [(x, y) for x, y in pts if y is not None]
            if pts:
                ax.plot([x for x, _ in pts], [y for _, y in pts], marker="o", label=ALL[n].label)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("events in the calendar")
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
    axes[0][0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(out_dir, file), dpi=90)
    plt.close(fig)


def syncml_section(sm) -> list[str]:
    if not sm:
        return []
    lines = ["## SyncML: slow sync of {:,} events against SyncEvolution's server".format(sm["count"]),
             "", sm.get("note", ""), "",
             "| figure | " + " | ".join(c["label"] for c in sm["clients"]) + " |",
             "|---|" + "---:|" * len(sm["clients"])]
    for key, what, unit in (("wall", "wall (s)", "s"), ("cpu", "user+sys CPU (s)", "s"),
                            ("rss_mib", "peak RSS (MiB)", "MiB"),
                            ("messages", "messages sent per sync", "")):
        lines.append(f"| {what} | " + " | ".join(fmt(med(c["runs"], key), unit) if c["runs"] else
                                                 "–" for c in sm["clients"]) + " |")
    lines.append("| runs | " + " | ".join(str(len(c["runs"])) for c in sm["clients"]) + " |")
    lines.append(f"| MaxMsgSize announced by the client (bytes) | "
                 + " | ".join(f"{sm['max_msg_size']:,}" for _ in sm["clients"]) + " |")
    return lines + [""]


def beyond_folder(res, scenario: str) -> tuple[float, float] | None:
    """Synchro's CPU in `scenario` beyond the folder's metadata: the median over the rounds of
    its sync's CPU less that of `floor-stat` run on the same folder in the same round (right
    after the no-change sync); and the median of `floor-stat` alone."""
    syncs = [m["cpu"] for m in res.get(scenario, {}).get("synchro", [])]
    stats = [m["cpu"] for m in res.get("folder_stat", [])]
    if not syncs or len(syncs) != len(stats):
        return None
    return median([a - b for a, b in zip(syncs, stats)]), median(stats)


def targets(caldav) -> list[str]:
    """Issue 12's targets, each with the figures that decide it (medians of this run)."""
    rows = []

    def fig(size, scen, tool, key):
        return med(caldav.get(str(size), {}).get(scen, {}).get(tool), key)

    for big in [s for s in sizes(caldav) if fig(s, "first", "synchro", "wall")]:
        s, f, v = (fig(big, "first", t, "wall") for t in ("synchro", "curl", "vdirsyncer"))
        if f:
            rows.append(f"| first sync of {big:,} events ≤ 2× the floor | synchro {fmt(s)} s, "
                        f"floor {fmt(f)} s: **{s / f:.1f}×** |")
        if v:
            rows.append(f"| first sync of {big:,} events ≥ 3× faster than vdirsyncer | "
                        f"vdirsyncer {fmt(v)} s: **{v / s:.1f}×** |")
            t = fig(big, "first", "tokenfloor", "wall")
            if t:
                rows.append(f"| the 3× budget beside what Radicale takes of any correct first "
                            f"sync of {big:,} events | vdirsyncer / 3 = {fmt(v / 3)} s; "
                            f"token + query floor {fmt(t)} s: **{t / (v / 3):.0%} of the "
                            f"budget** before a client's own work |")
            d = fig(big, "first", "durablefloor", "wall")
            if d:
                rows.append(f"| the same with the files made durable a batch at a time, as "
                            f"crash safety asks ({big:,} events) | token + query + durable "
                            f"floor {fmt(d)} s: **{d / (v / 3):.0%} of the budget**; synchro "
                            f"{fmt(s - d)} s beyond it |")
        rss = fig(big, "first", "synchro", "rss_mib")
        rows.append(f"| peak memory < 50 MB at 10k, bounded at 50k | {big:,} events: "
                    f"**{fmt(rss, 'MiB')} MiB** |")
    quiet = [s for s in sizes(caldav) if fig(s, "nochange", "synchro", "cpu") is not None]
    if quiet:
        def one(s):
            c, r = fig(s, "nochange", "synchro", "cpu"), fig(s, "nochange", "synchro", "requests")
            first = fig(s, "settle", "synchro", "cpu")
            beyond = beyond_folder(caldav.get(str(s), {}), "nochange")
            notes = [f"the first after the download: {first * 1000:.1f} ms"] \
                if first is not None else []
            if beyond is not None:
                notes.append(f"the folder's metadata alone (floor-stat): {beyond[1] * 1000:.1f} ms")
            return (f"{s:,}: **{r:g} request, {c * 1000:.1f} ms CPU**"
                    + (f" ({'; '.join(notes)})" if notes else "")
                    + (f", **{beyond[0] * 1000:.1f} ms beyond the folder's metadata**"
                       if beyond is not None else ""))
        rows.append("| no-change sync: one request, < 20 ms CPU at 10,000 beyond what the "
                    "folder's metadata costs | " + "; ".join(one(s) for s in quiet) + " |")
        nc = max(quiet)
        w, fw = fig(nc, "nochange", "synchro", "wall"), fig(nc, "nochange", "curl", "wall")
        if w and fw:
            rows.append(f"| no-change wall ≤ 1.2× one request alone | {nc:,} events: "
                        f"{fmt(w)} s against {fmt(fw)} s: **{w / fw:.1f}×** |")
    cpu = [(s, fig(s, "onechange", "synchro", "cpu")) for s in sizes(caldav)]
    cpu = [(s, c) for s, c in cpu if c is not None]
    if cpu:
        def change(s, c):
            beyond = beyond_folder(caldav.get(str(s), {}), "onechange")
            return f"{s:,}: **{c * 1000:.0f} ms**" + (
                f" ({beyond[0] * 1000:.0f} ms beyond the folder's metadata)"
                if beyond is not None else "")
        rows.append("| one change: CPU not growing with the calendar | "
                    + ", ".join(change(s, c) for s, c in cpu) + " |")
    ins = [(s, caldav[str(s)].get("instructions", {})) for s in sizes(caldav)]
    ins = [(s, i["onechange"]["synchro"], i["nochange"]["synchro"],
            i.get("settle", {}).get("synchro")) for s, i in ins
           if "synchro" in i.get("onechange", {}) and "synchro" in i.get("nochange", {})]
    if ins:
        def m(x):
            return f"{x / 1e6:.0f} M" if x is not None else "–"
        rows.append("| instructions (callgrind), no-change (first after a change / again) / "
                    "one change | " + ", ".join(f"{s:,}: **{m(f)} / {m(n)} / {m(o)}**"
                                                for s, o, n, f in ins) + " |")
    up = caldav.get("upload", {})
    if up.get("synchro") and up.get("vdirsyncer"):
        s, v = med(up["synchro"], "wall"), med(up["vdirsyncer"], "wall")
        rows.append(f"| upload of {up['count']:,} no slower than vdirsyncer | synchro {fmt(s)} s, "
                    f"vdirsyncer {fmt(v)} s: **{s / v:.2f}×** |")
    if not rows:
        return []
    return ["## Against the targets of issue 12", "", "| target | measured |", "|---|---|"] + rows + [""]


def write(results, out_dir) -> None:
    caldav = results.get("caldav", {})
    chart(caldav, out_dir, "wall", "bench-time.png", "wall time (s)")
    chart(caldav, out_dir, "rss_mib", "bench-memory.png", "peak RSS (MiB)")
    text = open(os.path.join(os.path.dirname(__file__), "BENCHMARKS.head.md")).read()
    body = [text.rstrip(), "",
            f"Measured {results.get('date', '?')} on {results.get('machine') or machine()}.", "",
            "Commands (from the repository root):", ""]
    body += [f"    {c}" for c in results.get("commands", [])]
    body += ["", "## CalDAV against Radicale 3.9 on 127.0.0.1", "",
             "![time against calendar size](bench-time.png)", "",
             "![peak memory of a first sync](bench-memory.png)", ""]
    body += targets(caldav)
    body += ["### All figures (medians)", ""] + table(caldav) + [""]
    body += upload_table(caldav) + [""]
    body += syncml_section(results.get("syncml"))
    if results.get("failures"):
        body += ["## Syncs that failed in this run", ""]
        body += [f"- {f}" for f in results["failures"]] + [""]
    tail = os.path.join(os.path.dirname(__file__), "BENCHMARKS.notes.md")
    if os.path.exists(tail):
        body += [open(tail).read().rstrip(), ""]
    with open(os.path.join(out_dir, "BENCHMARKS.md"), "w") as f:
        f.write("\n".join(body))
