"""A Radicale 3.9 (PyPI, from .peers/radicale) for the benchmark: 127.0.0.1, htpasswd auth,
limits raised so one REPORT may return 50,000 events, and an access log (INFO level: one line
per request) from which requests are counted."""

from __future__ import annotations

import os
import subprocess
import time
import urllib.error
import urllib.request

from measure import free_port, run

USER, PASSWORD = "bench", "bench"


class Radicale:
    """One running server; `stop()` kills its process group."""

    def __init__(self, root: str, work: str):
        self.work = work
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}/"
        self.log_path = os.path.join(work, "radicale.log")
        py = os.path.join(root, ".peers", "radicale", "bin", "python")
        hashed = run([py, "-c", "import bcrypt,sys;print(bcrypt.hashpw(sys.argv[1].encode(),"
                      "bcrypt.gensalt(4)).decode())", PASSWORD]).stdout.strip()
        with open(os.path.join(work, "users"), "w") as f:
            f.write(f"{USER}:{hashed}\n")
        conf = os.path.join(work, "radicale.conf")
        with open(conf, "w") as f:
            f.write(f"""[server]
hosts = 127.0.0.1:{self.port}
max_content_length = 1000000000
max_resource_size = 1000000000
timeout = 600
[auth]
type = htpasswd
htpasswd_filename = {work}/users
htpasswd_encryption = bcrypt
[rights]
type = owner_only
[storage]
filesystem_folder = {work}/collections
[reporting]
max_expand_occurrence = 10000000
max_freebusy_occurrence = 10000000
[logging]
level = info
""")
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [os.path.join(root, ".peers", "radicale", "bin", "radicale"), "--config", conf],
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        for _ in range(400):
            try:
                urllib.request.urlopen(self.base, timeout=1)
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                time.sleep(0.05)
        # The first login creates the user's principal collection.
        self.curl("-X", "PROPFIND", "-H", "Depth: 0", f"{self.base}{USER}/", "-o", "/dev/null")

    def url(self, name: str) -> str:
        """URL of the calendar `name` of the bench user."""
        return f"{self.base}{USER}/{name}/"

    def folder(self, name: str) -> str:
        """Radicale's own folder of that calendar (one file per item)."""
        return os.path.join(self.work, "collections", "collection-root", USER, name)

    def curl(self, *args: str, check: bool = True):
        return run(["curl", "-s", "-u", f"{USER}:{PASSWORD}", *args], check=check)

    def mkcalendar(self, name: str) -> str:
        self.curl("-f", "-X", "MKCALENDAR", self.url(name), "-o", "/dev/null")
        return self.url(name)

    def requests_so_far(self) -> int:
        """Requests the server has logged so far."""
        self.log.flush()
        with open(self.log_path, "rb") as f:
            return sum(1 for line in f if b" request for " in line)

    def stop(self) -> None:
        try:
            os.killpg(self.proc.pid, 15)
            self.proc.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(self.proc.pid, 9)
            self.proc.wait()
        self.log.close()
