"""The SyncML comparison: a slow sync of N events (all on the server, none on the client)
against SyncEvolution's server (scripts/syncevo-server.sh, private D-Bus session), by synchro
and by SyncEvolution's own `syncevolution` client (with bench/syncevo-client-shim.c
preloaded, see there), both in plain XML, iCalendar 2.0, md5 auth. Each run gets a new peer
(device id) on the server with the same copy of the data, so every run is a first slow sync.
The server's whole process group (D-Bus daemon included) is killed at the end."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import json

from measure import free_port, run, timed

USER, PASSWORD = "test", "test"
CLIENT_MAX_MSG_SIZE = 1_000_000
"""synchro's MaxMsgSize (core/src/remote/syncml/session.rs), given to both clients."""


def home_env(home: str) -> dict:
    env = dict(os.environ, HOME=home, XDG_CONFIG_HOME=f"{home}/.config",
               XDG_DATA_HOME=f"{home}/.local/share", XDG_CACHE_HOME=f"{home}/.cache")
    for k in ("DBUS_SESSION_BUS_ADDRESS", "DISPLAY", "XDG_RUNTIME_DIR"):
        env.pop(k, None)
    return env


class Server:
    def __init__(self, root: str, home: str):
        self.home, self.env = home, home_env(home)
        os.makedirs(home, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/syncevolution"
        self.log = open(os.path.join(home, "server.log"), "wb")
        self.proc = subprocess.Popen(["bash", os.path.join(root, "scripts", "syncevo-server.sh"),
                                      str(self.port), home], env=self.env, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("SyncEvolution's server did not start: see " + self.log.name)

    def add_peer(self, n: int, data_from: str) -> tuple[str, str]:
        """A peer for device id `bench-dev-n` over a copy of `data_from`: (device id, uri)."""
        dev, peer, ctx = f"bench-dev-{n}", f"p{n}", f"c{n}"
        data = os.path.join(self.home, "data", peer)
        shutil.copytree(data_from, data)
        run(["/usr/bin/syncevolution", "--daemon=no", "--configure", "--template",
             "SyncEvolution Client", "keyring=no", f"remoteDeviceId={dev}",
             f"username={USER}", f"password={PASSWORD}", "preventSlowSync=0", "backend=file",
             "databaseFormat=text/calendar", f"database=file://{data}", f"{peer}@{ctx}",
             "calendar"], env=self.env)
        ini = os.path.join(self.home, ".config", "syncevolution", ctx, "peers", peer,
                           "sources", "calendar", "config.ini")
        m = re.search(r"^uri\s*=\s*(\S+)", open(ini).read(), re.M)
        return dev, m.group(1) if m else "calendar"

    def stop(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()
        self.log.close()


def files(d: str) -> int:
    return sum(1 for n in os.listdir(d) if not n.startswith(".")) if os.path.isdir(d) else 0


def synchro_run(root, server, work, n, data, count) -> dict:
    dev, uri = server.add_peer(n, data)
    d = os.path.join(work, f"synchro-{n}")
    os.makedirs(d)
    env = dict(os.environ, SYNCHRO_DB=f"{d}/store.db", SYNCHRO_PASSWORD=PASSWORD)
    exe = os.path.join(root, "target", "release", "synchro")
    run([exe, "account", "add", "bench", "--syncml", server.url, "--username", USER,
         "--local", f"vdir:{d}/phone", "--device-id", dev, "--server-uri", uri], env=env)
    m = timed([exe, "sync", "--json", "--mode", "slow"], env=env)
    rep = json.loads(m.pop("stdout").strip().splitlines()[-1])
    if files(f"{d}/phone") != count:
        raise RuntimeError(f"synchro holds {files(d + '/phone')} of {count}: {rep}")
    m["messages"] = rep["requests"]
    return m


def syncevolution_run(root, server, work, n, data, count, shim) -> dict:
    dev, uri = server.add_peer(n, data)
    home = os.path.join(work, f"client-{n}")
    local = os.path.join(home, "data")
    os.makedirs(local)
    env = home_env(home)
    run(["/usr/bin/syncevolution", "--daemon=no", "--configure", "--template", "SyncEvolution",
         "keyring=no", f"syncURL={server.url}", f"username={USER}", f"password={PASSWORD}",
         f"deviceId={dev}", f"maxMsgSize={CLIENT_MAX_MSG_SIZE}", "enableWBXML=0", "backend=file", "databaseFormat=text/calendar",
         f"database=file://{local}", f"uri={uri}", "bench@client", "calendar"], env=env)
    count_file = os.path.join(home, "messages")
    env = dict(env, LD_PRELOAD=shim, SYNCEVO_SHIM_COUNT=count_file)
    m = timed(["/usr/bin/syncevolution", "--daemon=no", "--sync", "slow", "bench@client",
               "calendar"], env=env)
    m.pop("stdout")
    if files(local) != count:
        raise RuntimeError(f"syncevolution holds {files(local)} of {count}")
    # The client runs its sync in helper processes: each writes its own count.
    m["messages"] = sum(int(x) for x in open(count_file).read().split())
    return m


def bench(root: str, runs: int, count: int = 1000) -> dict:
    shim = os.path.join(root, ".cache", "bench", "syncevo-client-shim.so")
    work = tempfile.mkdtemp(prefix="synchro-bench-syncml-")
    data = os.path.join(work, "seed")
    run([os.path.join(root, ".peers", "tools", "bin", "python"),
         os.path.join(root, "scripts", "seed.py"), "--count", str(count), "--seed", "5",
         "--vdir", data])
    clients = [{"name": "synchro", "label": "synchro (release)", "runs": []},
               {"name": "syncevolution", "label": "syncevolution 2.0 client (C++)", "runs": []}]
    server = Server(root, os.path.join(work, "server"))
    try:
        n = 0
        for r in range(runs):
            for c in clients[r % 2:] + clients[:r % 2]:
                n += 1
                if c["name"] == "synchro":
                    m = synchro_run(root, server, work, n, data, count)
                else:
                    m = syncevolution_run(root, server, work, n, data, count, shim)
                c["runs"].append(m)
                print(f"  syncml     {c['name']:13} wall {m['wall']:7.3f}s cpu {m['cpu']:7.3f}s "
                      f"rss {m['rss_mib']:6.1f}MiB messages {m['messages']}", flush=True)
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    return {"count": count, "clients": clients, "max_msg_size": CLIENT_MAX_MSG_SIZE,
            "note": "Slow sync, server holding every event, empty client; XML, iCalendar 2.0, "
                    "md5 auth; CPU is the client's only (the server runs apart). Both clients "
                    "announce the same MaxMsgSize (synchro's default; SyncEvolution's client is "
                    "configured with it, its own default being 150,000), which bounds the "
                    "server's messages to them."}
