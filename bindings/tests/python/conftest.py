"""Fixtures of the Python binding tests: an in-memory DeviceCalendar written in Python, the
Radicale started by scripts/test-bindings.sh (SYNCHRO_TEST_SERVER), one calendar per test
and agents on temporary stores."""

import itertools
import os
import threading

import pytest
import synchro_ffi as ffi

USER = "test"
PASSWORD = "test"
_calendars = itertools.count(1)


class MemoryCalendar(ffi.DeviceCalendar):
    """A device calendar in a dict: id -> (version, Event). The test plays the user by
    calling put/remove; the sync calls list/fetch/apply from its own thread."""

    def __init__(self, calendar_id="memory-1"):
        self._id = calendar_id
        self._lock = threading.Lock()
        self._events = {}
        self._next = itertools.count(1)
        # Hooks the tests set: raise from apply, block in list.
        self.fail_apply = None
        self.on_list = None

    # --- the user's side ---
    def put(self, event, device_id=None):
        with self._lock:
            device_id = device_id or f"row-{next(self._next)}"
            version = self._events.get(device_id, (0, None))[0] + 1
            self._events[device_id] = (version, event)
            return device_id

    def remove(self, device_id):
        with self._lock:
            del self._events[device_id]

    def by_uid(self):
        with self._lock:
            return {e.uid: (i, e) for i, (_, e) in self._events.items()}

    def __len__(self):
        with self._lock:
            return len(self._events)

    # --- DeviceCalendar ---
    def calendar_id(self):
        return self._id

    def list(self):
        if self.on_list:
            self.on_list()
        with self._lock:
            return [ffi.DeviceEntry(id=i, version=str(v)) for i, (v, _) in self._events.items()]

    def fetch(self, ids):
        with self._lock:
            return [
                ffi.DeviceEvent(entry=ffi.DeviceEntry(id=i, version=str(self._events[i][0])),
                                event=self._events[i][1])
                for i in ids if i in self._events
            ]

    def apply(self, ops):
        if self.fail_apply:
            raise self.fail_apply
        out = []
        for op in ops:
            if op.is_CREATE():
                i = self.put(op.event)
                out.append(ffi.DeviceOutcome.WRITTEN(entry=self._entry(i)))
            elif op.is_UPDATE():
                self.put(op.event, op.id)
                out.append(ffi.DeviceOutcome.WRITTEN(entry=self._entry(op.id)))
            else:
                with self._lock:
                    self._events.pop(op.id, None)
                out.append(ffi.DeviceOutcome.DELETED())
        return out

    def _entry(self, i):
        with self._lock:
            return ffi.DeviceEntry(id=i, version=str(self._events[i][0]))


def event(uid, summary, hour=9, day=2, zone="Europe/Paris"):
    """A one-hour event on 2026-03-`day` at `hour`:00 UTC."""
    start = 1772323200000 + ((day - 1) * 24 + hour) * 3600_000  # 2026-03-01T00:00Z
    return ffi.Event(
        uid=uid, summary=summary, description=None, location=None,
        start=ffi.EventTime.TIMED(epoch_ms=start, zone=zone),
        end=ffi.EventTime.TIMED(epoch_ms=start + 3600_000, zone=zone),
        rrule=None, rdate=None, exdate=None, exceptions=[], alarms=[], organizer=None,
        attendees=[], status=None, availability=ffi.Availability.BUSY, access=None, url=None,
        categories=[], color=None, sequence=0)


@pytest.fixture
def server():
    url = os.environ.get("SYNCHRO_TEST_SERVER")
    assert url, "SYNCHRO_TEST_SERVER is not set: run bash scripts/test-bindings.sh"
    return url


@pytest.fixture
def calendar_url(server):
    return f"{server}{USER}/c{next(_calendars)}/"


def plain_http_settings():
    """The defaults, plus Basic auth over plain http (the test server is http://127.0.0.1)."""
    settings = ffi.default_account_settings()
    settings.allow_insecure_http = True
    return settings


class Phone:
    """An agent on its own store with its own device calendar and one account."""

    def __init__(self, tmp_path, name, calendar_url, password=PASSWORD):
        self.agent = ffi.SyncAgent(str(tmp_path / f"{name}.db"))
        self.device = MemoryCalendar(f"{name}-calendar")
        self.account = self.agent.add_account(
            ffi.NewAccount(name=name, username=USER, local=f"app:{name}", past_days=None,
                           server=ffi.ServerConfig.CAL_DAV(url=calendar_url, calendar=None),
                           settings=plain_http_settings()),
            password)

    def sync(self, confirmed=False, progress=None, password=PASSWORD):
        return self.agent.sync(self.account.name, password, self.device,
                               ffi.SyncOptions(dry_run=False, confirmed=confirmed, mode=None),
                               progress)


@pytest.fixture
def phones(tmp_path, calendar_url):
    """Two phones on one server calendar."""
    return Phone(tmp_path, "a", calendar_url), Phone(tmp_path, "b", calendar_url)


@pytest.fixture
def syncml_server():
    """The SyncEvolution server started by scripts/test-bindings.sh
    (scripts/syncevo-for-bindings.py): phones synchro-phone-1..3 share one calendar that
    holds seed-1 and seed-2 at start."""
    url = os.environ.get("SYNCHRO_TEST_SYNCML")
    assert url, "SYNCHRO_TEST_SYNCML is not set: run bash scripts/test-bindings.sh"
    return url


class SyncMlPhone(Phone):
    """A phone with a SyncML account for device id synchro-phone-`n`."""

    def __init__(self, tmp_path, name, url, n):  # noqa: D107 - no CalDAV account here
        self.agent = ffi.SyncAgent(str(tmp_path / f"{name}.db"))
        self.device = MemoryCalendar(f"{name}-calendar")
        self.account = self.agent.add_account(
            ffi.NewAccount(name=name, username=USER, local=f"app:{name}", past_days=None,
                           server=ffi.ServerConfig.SYNC_ML(
                               url=url, server_uri="calendar", device_id=f"synchro-phone-{n}",
                               format=ffi.SyncMlFormat.I_CALENDAR, wbxml=False,
                               auth=ffi.SyncMlAuth.MD5),
                           settings=plain_http_settings()),
            PASSWORD)
