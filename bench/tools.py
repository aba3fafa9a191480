"""The clients the benchmark times, each as whole processes: how to give one a fresh state
for a calendar, the command of one sync, and the folder where it keeps the events."""

from __future__ import annotations

import os
import shutil

from measure import run
from radicale import PASSWORD, USER

REPORT_ALL = ('<?xml version="1.0"?><c:calendar-query xmlns:d="DAV:" '
              'xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/><c:calendar-data/>'
              '</d:prop><c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"/>'
              '</c:comp-filter></c:filter></c:calendar-query>')
PROPFIND_TOKEN = ('<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:sync-token/>'
                  '</d:prop></d:propfind>')


class Tool:
    """One client. `reset` makes a fresh state syncing `local` with calendar `name`."""

    name = ""
    label = ""
    # A floor rather than a sync: no one-change or upload figure.
    is_sync = True
    # Timed in the first sync only.
    first_only = False

    def __init__(self, root: str, server, work: str):
        self.root, self.server, self.work = root, server, work

    def state(self, tag: str) -> str:
        """A fresh folder for the tool's state; the last one is moved aside, not removed
        (see `set_aside`)."""
        d = os.path.join(self.work, f"{self.name}-{tag}")
        set_aside(self.work, d)
        os.makedirs(d)
        return d

    def reset(self, tag: str, cal: str, local_from: str | None = None) -> None:
        raise NotImplementedError

    def sync_cmd(self) -> tuple[list[str], dict]:
        raise NotImplementedError

    def local(self) -> str:
        return self._local


def set_aside(work: str, path: str) -> None:
    """Moves `path` into `work/aside`, removed when the whole run ends. Removing thousands of
    files just before a tool creates as many would cost that tool dearly: ext4 does not give
    out again an inode freed in the last 60 s (longer while its table is not written back)
    and looks at each such inode on the way: a first sync of 10,000 events right after
    10,000 files were removed took 7 s (5.5 s of CPU) instead of 2.8 s (1.1 s) here."""
    if os.path.exists(path):
        aside = os.path.join(work, "aside")
        os.makedirs(aside, exist_ok=True)
        os.rename(path, os.path.join(aside, f"{len(os.listdir(aside))}"))


def fill(local: str, local_from: str | None) -> None:
    if local_from:
        shutil.copytree(local_from, local)
    else:
        os.makedirs(local)


class Synchro(Tool):
    name, label = "synchro", "synchro (release)"

    def reset(self, tag, cal, local_from=None):
        d = self.state(tag)
        self._local = os.path.join(d, "phone")
        fill(self._local, local_from)
        self.env = dict(os.environ, SYNCHRO_DB=os.path.join(d, "store.db"),
                        SYNCHRO_PASSWORD=PASSWORD)
        run([self.binary(), "account", "add", "bench", "--caldav", self.server.url(cal),
             "--username", USER, "--local", f"vdir:{self._local}", "--calendar",
             self.server.url(cal), "--allow-insecure-http"], env=self.env)

    def binary(self):
        return os.path.join(self.root, "target", "release", "synchro")

    def sync_cmd(self):
        return [self.binary(), "sync", "--json"], self.env


class Vdirsyncer(Tool):
    name, label = "vdirsyncer", "vdirsyncer 0.21 (Python)"

    def reset(self, tag, cal, local_from=None):
        d = self.state(tag)
        self._local = os.path.join(d, "local")
        fill(self._local, local_from)
        cfg = os.path.join(d, "config")
        with open(cfg, "w") as f:
            f.write(f"""[general]
status_path = "{d}/status/"

[pair bench]
a = "bench_local"
b = "bench_remote"
collections = null
conflict_resolution = "b wins"

[storage bench_local]
type = "filesystem"
path = "{self._local}/"
fileext = ".ics"

[storage bench_remote]
type = "caldav"
url = "{self.server.url(cal)}"
username = "{USER}"
password = "{PASSWORD}"
""")
        self.env = dict(os.environ, VDIRSYNCER_CONFIG=cfg)
        run([self.binary(), "discover"], env=self.env)

    def binary(self):
        return os.path.join(self.root, ".cache", "bench", "py", "bin", "vdirsyncer")

    def sync_cmd(self):
        return [self.binary(), "sync"], self.env


class VstoragePeer(Tool):
    name, label = "vstorage", "vstorage 0.12 (Rust, pimsync's library)"

    def reset(self, tag, cal, local_from=None):
        d = self.state(tag)
        self.cal = cal
        self.root_dir = os.path.join(d, "vdir")
        self._local = os.path.join(self.root_dir, cal)
        os.makedirs(self.root_dir)
        fill(self._local, local_from)
        self.status = os.path.join(d, "status.db")
        self.env = dict(os.environ, VSTORAGE_PASSWORD=PASSWORD)

    def binary(self):
        return os.path.join(self.root, ".cache", "bench", "vstorage-target", "release",
                            "vstorage-peer")

    def sync_cmd(self):
        return [self.binary(), self.server.base, USER, self.cal, self.root_dir,
                self.status], self.env


class CurlFloor(Tool):
    """The floor: one REPORT fetching every event (curl), its answer written as one file per
    event without fsync (`floor-write`); a no-change sync's floor is the one request a
    sync-collection client makes, a PROPFIND of the sync-token. Not a sync: there is no one-change or upload figure."""

    name, label = "curl", "curl floor"
    is_sync = False

    def reset(self, tag, cal, local_from=None):
        d = self.state(tag)
        self.cal = cal
        self._local = os.path.join(d, "files")
        self.env = dict(os.environ)
        self.first = True

    # `floor-write`'s options.
    write_opts = ""

    def query_cmd(self) -> str:
        """The REPORT fetching every event, its answer written by `floor-write`."""
        writer = os.path.join(self.root, ".cache", "bench", "vstorage-target", "release",
                              "floor-write") + self.write_opts
        return (f"curl -sf -u {USER}:{PASSWORD} -X REPORT -H 'Depth: 1' -H 'Content-Type: "
                f"application/xml' --data '{REPORT_ALL}' {self.server.url(self.cal)} "
                f"| {writer} {self._local}")

    def token_cmd(self) -> str:
        """The PROPFIND of the sync-token, its answer dropped."""
        return (f"curl -sf -u {USER}:{PASSWORD} -X PROPFIND -H 'Depth: 0' -H 'Content-Type: "
                f"application/xml' --data '{PROPFIND_TOKEN}' {self.server.url(self.cal)} "
                "-o /dev/null")

    def sync_cmd(self):
        if self.first:
            self.first = False
            return self.query_cmd(), None
        return self.token_cmd(), None


class TokenFloor(CurlFloor):
    """The floor of a correct first sync: the sync-token first (PROPFIND), then the REPORT
    fetching every event, its answer written as by the curl floor. The token must come
    before the data, or an edit made between the two answers would never be fetched; the
    two requests are what the server itself takes of any such sync. First sync only."""

    name, label = "tokenfloor", "token + query floor"
    first_only = True

    def sync_cmd(self):
        return f"{self.token_cmd()} && {self.query_cmd()}", None


class DurableFloor(TokenFloor):
    """The token + query floor with the files made durable as a crash-safe client must
    before it records them: every 1,000 files, one flush of the file system and one of the
    folder (`floor-write --durable`). Still no parsing, no store, no write-ahead record, no
    backup. First sync only."""

    name, label = "durablefloor", "token + query + durable floor"
    write_opts = " --durable"


ALL = {t.name: t for t in (Synchro, Vdirsyncer, VstoragePeer, CurlFloor, TokenFloor,
                           DurableFloor)}
