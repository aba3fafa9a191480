#!/usr/bin/env python3
"""Upload a calendar to a CalDAV collection quickly (for the demo, tests and benchmarks).

Two ways, chosen by --mode:
  bulk   one PUT of the whole VCALENDAR on the collection URL. Radicale (3.1 and 3.9) accepts
         it and REPLACES the collection's contents with one item per UID, named <UID>.ics.
         Faster than one PUT per item: 5000 events into Radicale 3.9 took 144 s in bulk,
         626 s by items (4 threads) on our 2-core machines.
  items  one PUT per UID (<safe UID>.ics, If-None-Match: *) from a small thread pool.
  auto   (default) bulk when the collection is empty (so nothing can be replaced), falling
         back to items when the server refuses it (Xandikos answers 405); items otherwise.

Input is one .ics file (--ics FILE, or - for stdin; split by UID, each item carrying the
VTIMEZONEs of the file) or a vdir (--vdir DIR: each .ics file uploaded as it is).
The password comes from --password, else $SYNCHRO_PASSWORD; --digest for Digest auth.

  .peers/tools/bin/python scripts/seed.py --count 5000 --ics /tmp/cal.ics
  .peers/tools/bin/python scripts/upload.py --url http://127.0.0.1:5232/test/cal/ \\
      --user test --password test --ics /tmp/cal.ics
"""

from __future__ import annotations

import argparse
import base64
import concurrent.futures
import os
import re
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

from icalendar import Calendar


def split_by_uid(data: bytes) -> list[tuple[str, bytes]]:
    """(uid, one VCALENDAR per UID with every VTIMEZONE of the input)."""
    cal = Calendar.from_ical(data)
    timezones = [c for c in cal.subcomponents if c.name == "VTIMEZONE"]
    by_uid: dict[str, list] = {}
    for comp in cal.subcomponents:
        if comp.name in ("VEVENT", "VTODO", "VJOURNAL"):
            uid = str(comp.get("uid", ""))
            if not uid:
                raise SystemExit("upload.py: a component without UID")
            by_uid.setdefault(uid, []).append(comp)
    out = []
    for uid, comps in by_uid.items():
        item = Calendar()
        for name in ("prodid", "version", "calscale"):
            if name in cal:
                item.add(name, cal[name])
        for tz in timezones:
            item.add_component(tz)
        for c in comps:
            item.add_component(c)
        out.append((uid, item.to_ical()))
    return out


def safe_name(uid: str) -> str:
    return re.sub(r"[^A-Za-z0-9._@-]", "_", uid) + ".ics"


class Client:
    def __init__(self, base: str, user: str | None, password: str | None, digest: bool, timeout):
        self.base = base
        self.user, self.password, self.digest, self.timeout = user, password, digest, timeout
        self.local = threading.local()

    def opener(self) -> urllib.request.OpenerDirector:
        op = getattr(self.local, "opener", None)
        if op is None:
            handlers = []
            if self.digest and self.user:
                mgr = urllib.request.HTTPPasswordMgrWithDefaultRealm()
                mgr.add_password(None, self.base, self.user, self.password or "")
                handlers.append(urllib.request.HTTPDigestAuthHandler(mgr))
            op = urllib.request.build_opener(*handlers)
            self.local.opener = op
        return op

    def request(self, method: str, url: str, body: bytes | None = None, headers=None):
        """(status, body); HTTP errors are returned, not raised."""
        headers = dict(headers or {})
        if self.user and not self.digest:
            token = base64.b64encode(f"{self.user}:{self.password or ''}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        req = urllib.request.Request(url, data=body, method=method, headers=headers)
        try:
            with self.opener().open(req, timeout=self.timeout) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()


def item_count(client: Client, url: str) -> int:
    """How many members the collection has (its own response, with an etag on Radicale,
    does not count)."""
    body = b'<?xml version="1.0"?><propfind xmlns="DAV:"><prop><getetag/></prop></propfind>'
    status, text = client.request(
        "PROPFIND", url, body, {"Depth": "1", "Content-Type": "application/xml"}
    )
    if status != 207:
        raise SystemExit(f"upload.py: PROPFIND {url}: HTTP {status}")
    own = urllib.parse.unquote(urllib.parse.urlsplit(url).path).rstrip("/")
    hrefs = re.findall(rb"<(?:\w+:)?href>([^<]*)</(?:\w+:)?href>", text)
    members = set()
    for h in hrefs:
        path = urllib.parse.unquote(urllib.parse.urlsplit(h.decode().strip()).path).rstrip("/")
        if path != own and path.startswith(own + "/"):
            members.add(path)
    return len(members)


def upload_bulk(client: Client, url: str, data: bytes) -> int:
    status, _ = client.request("PUT", url, data, {"Content-Type": "text/calendar; charset=utf-8"})
    return status


def upload_items(client: Client, url: str, items: list[tuple[str, bytes]], threads: int) -> None:
    def put(item):
        name, data = item
        target = url + urllib.parse.quote(name)
        status, body = client.request(
            "PUT",
            target,
            data,
            {"Content-Type": "text/calendar; charset=utf-8", "If-None-Match": "*"},
        )
        if status == 412:
            raise RuntimeError(f"PUT {name}: already on the server (412); upload.py only creates")
        if status not in (200, 201, 204):
            raise RuntimeError(f"PUT {name}: HTTP {status} {body[:200]!r}")

    with concurrent.futures.ThreadPoolExecutor(max_workers=threads) as pool:
        for f in concurrent.futures.as_completed([pool.submit(put, it) for it in items]):
            f.result()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--url", required=True, help="calendar collection URL (trailing slash)")
    p.add_argument("--user")
    p.add_argument("--password", default=os.environ.get("SYNCHRO_PASSWORD"))
    p.add_argument("--digest", action="store_true", help="use Digest auth (default Basic)")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--ics", metavar="FILE", help="one calendar file, - for stdin")
    src.add_argument("--vdir", metavar="DIR", help="a folder of .ics files")
    p.add_argument("--mode", choices=["auto", "bulk", "items"], default="auto")
    p.add_argument("--threads", type=int, default=4, help="parallel PUTs in items mode")
    p.add_argument("--timeout", type=float, default=600)
    args = p.parse_args(argv)
    url = args.url if args.url.endswith("/") else args.url + "/"
    parts = urllib.parse.urlsplit(url)
    client = Client(f"{parts.scheme}://{parts.netloc}/", args.user, args.password, args.digest, args.timeout)
    started = time.monotonic()

    if args.ics:
        data = sys.stdin.buffer.read() if args.ics == "-" else open(args.ics, "rb").read()
        items = [(safe_name(uid), ics) for uid, ics in split_by_uid(data)]
    else:
        names = sorted(n for n in os.listdir(args.vdir) if n.endswith(".ics"))
        items = [(n, open(os.path.join(args.vdir, n), "rb").read()) for n in names]
        data = None

    mode = args.mode
    if mode == "auto":
        mode = "bulk" if item_count(client, url) == 0 else "items"
    done = False
    if mode == "bulk":
        if data is None:  # a vdir: join it into one calendar
            cal = Calendar()
            cal.add("prodid", "-//Synchro//upload.py//EN")
            cal.add("version", "2.0")
            seen_tz = set()
            for _, ics in items:
                for comp in Calendar.from_ical(ics).subcomponents:
                    if comp.name == "VTIMEZONE":
                        if str(comp["tzid"]) in seen_tz:
                            continue
                        seen_tz.add(str(comp["tzid"]))
                    cal.add_component(comp)
            data = cal.to_ical()
        status = upload_bulk(client, url, data)
        if 200 <= status < 300:
            done = True
        elif args.mode == "bulk":
            raise SystemExit(f"upload.py: bulk PUT refused: HTTP {status}")
        else:
            mode = f"items (bulk refused: HTTP {status})"
    if not done:
        upload_items(client, url, items, args.threads)
    print(
        f"upload.py: {len(items)} items -> {url} by {mode} in {time.monotonic() - started:.1f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
