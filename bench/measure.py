"""Timing one whole process: wall time, user+sys CPU (the kernel's account, `wait4`, to the
microsecond) and peak RSS (from `/usr/bin/time -v`), and instruction counts from
`valgrind --tool=callgrind`."""

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
    """Runs `cmd` under `/usr/bin/time -v`: {wall, cpu, rss_mib, stdout}. Peak RSS is the one
    `time` reports (a small process that forks the tool: a fork of this Python process would
    count its memory in the tool's peak); user+sys CPU is the kernel's account of `time` and
    of the tool it waited for (`wait4`), to the microsecond where `time` prints it rounded to
    10 ms (`time` itself adds about a millisecond). The file system's dirty pages are
    written first, so that a tool that flushes (synchro, once per device batch) pays for its
    own writes only, not for those another tool left unflushed."""
    os.sync()
    argv = ["sh", "-c", cmd] if shell else list(cmd)
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf, \
            tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t0 = time.monotonic()
        p = subprocess.Popen(["/usr/bin/time", "-v", "-o", tf.name] + argv, env=env, text=True,
                             stdout=out, stderr=err)
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.monotonic() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        report = tf.read()
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if p.returncode != 0:
        raise RuntimeError(f"{argv} exited {p.returncode}:\n{stdout[-2000:]}\n{stderr[-3000:]}")
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", report).group(1))
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mib": rss / 1024,
            "stdout": stdout}


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
