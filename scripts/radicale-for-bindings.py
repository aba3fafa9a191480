#!/usr/bin/env python3
"""Runs a Radicale on a free 127.0.0.1 port for the binding tests, as tests/src/servers.rs
does for the Rust tests: temporary storage, htpasswd user test/test (bcrypt), and N empty
calendars test/c1/ .. test/cN/ (one per test). Writes the server's base URL to --url-file
once it answers, then runs until SIGTERM/SIGINT, when it stops Radicale and removes the
storage. The binary is SYNCHRO_RADICALE_PYPI or .peers/radicale/bin/radicale."""

import argparse
import base64
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
# bcrypt of "test" at cost 4, the same as tests/src/servers.rs.
PASSWORD_BCRYPT = "$2b$04$iQFz460oHFZFra8Cg1b6/uP.eSelaDA.RVwxH7joQ4sFDuiIp/c5i"
AUTH = "Basic " + base64.b64encode(b"test:test").decode()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(method, url):
    req = urllib.request.Request(url, method=method, headers={"Authorization": AUTH})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--calendars", type=int, default=20)
    ap.add_argument("--url-file", required=True)
    args = ap.parse_args()
    binary = os.environ.get("SYNCHRO_RADICALE_PYPI") or os.path.join(
        ROOT, ".peers/radicale/bin/radicale")
    work = tempfile.mkdtemp(prefix="synchro-bindings-radicale-")
    port = free_port()
    users = os.path.join(work, "users")
    with open(users, "w") as f:
        f.write(f"test:{PASSWORD_BCRYPT}\n")
    config = os.path.join(work, "radicale.conf")
    with open(config, "w") as f:
        f.write(
            f"[server]\nhosts = 127.0.0.1:{port}\n\n"
            f"[auth]\ntype = htpasswd\nhtpasswd_filename = {users}\n"
            "htpasswd_encryption = bcrypt\ndelay = 0\n\n"
            "[rights]\ntype = owner_only\n\n"
            f"[storage]\nfilesystem_folder = {os.path.join(work, 'collections')}\n\n"
            "[logging]\nlevel = warning\n")
    log = open(os.path.join(work, "radicale.log"), "w")
    env = dict(os.environ, HOME=work)
    child = subprocess.Popen([binary, "--config", config], stdin=subprocess.DEVNULL,
                             stdout=log, stderr=log, env=env)

    def stop(*_):
        child.terminate()
        try:
            child.wait(10)
        except subprocess.TimeoutExpired:
            child.kill()
        shutil.rmtree(work, ignore_errors=True)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    base = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 30
    while True:
        if child.poll() is not None:
            log.flush()
            sys.stderr.write(open(log.name).read())
            sys.exit(f"radicale exited with {child.returncode}")
        try:
            request("PROPFIND", base)
            break
        except OSError:
            if time.time() > deadline:
                stop()
            time.sleep(0.1)
    for n in range(1, args.calendars + 1):
        status = request("MKCALENDAR", f"{base}test/c{n}/")
        if status != 201:
            sys.stderr.write(f"MKCALENDAR c{n}: HTTP {status}\n")
            stop()
    tmp = args.url_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(base)
    os.replace(tmp, args.url_file)
    child.wait()
    stop()


if __name__ == "__main__":
    main()
