"""Timing one whole process: wall time, user+sys CPU and peak RSS from `/usr/bin/time -v`,
and instruction counts from `valgrind --tool=callgrind`."""

from __future__ import annotations

import os
import re
import socket
import statistics
import subprocess
import tempfile
import time


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def run(cmd, env=None, check=True, cwd=None):
    p = subprocess.run(cmd, env=env, cwd=cwd, text=True, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    if check and p.returncode != 0:
        raise RuntimeError(f"{cmd[0]} exited {p.returncode}:\n{p.stdout[-2000:]}\n{p.stderr[-2000:]}")
    return p


def timed(cmd, env=None, shell=False) -> dict:
    """Runs `cmd` under /usr/bin/time -v: {wall, cpu, rss_mib, stdout}. The file system's
    dirty pages are written first, so that a tool that flushes (synchro, once per device
    batch) pays for its own writes only, not for those another tool left unflushed."""
    os.sync()
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        argv = ["sh", "-c", cmd] if shell else list(cmd)
        t0 = time.monotonic()
        p = subprocess.run(["/usr/bin/time", "-v", "-o", tf.name] + argv, env=env, text=True,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        wall = time.monotonic() - t0
        out = tf.read()
    if p.returncode != 0:
        raise RuntimeError(f"{argv} exited {p.returncode}:\n{p.stdout[-2000:]}\n{p.stderr[-3000:]}")
    user = float(re.search(r"User time \(seconds\): ([\d.]+)", out).group(1))
    system = float(re.search(r"System time \(seconds\): ([\d.]+)", out).group(1))
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", out).group(1))
    return {"wall": wall, "cpu": user + system, "rss_mib": rss / 1024, "stdout": p.stdout}


def instructions(cmd, env=None) -> int:
    """Instructions executed by `cmd` and its children, counted by callgrind."""
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "cg.%p")
        p = subprocess.run(["valgrind", "--tool=callgrind", "--trace-children=yes",
                            f"--callgrind-out-file={out}"] + list(cmd),
                           env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if p.returncode != 0:
            raise RuntimeError(f"callgrind {cmd[0]} exited {p.returncode}:\n{p.stderr[-3000:]}")
        total = 0
        for name in os.listdir(d):
            with open(os.path.join(d, name)) as f:
                for line in f:
                    if line.startswith("summary:") or line.startswith("totals:"):
                        total += int(line.split()[1])
                        break
        return total


def median(xs):
    return statistics.median(xs) if xs else None
