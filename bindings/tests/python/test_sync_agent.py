"""The Python bindings of synchro-ffi against a real Radicale: a Python DeviceCalendar synced
through SyncAgent, both ways, with the safety checks, interruption and errors."""

import base64
import threading
import urllib.request

import pytest
import synchro_ffi as ffi
from conftest import PASSWORD, USER, Phone, event, plain_http_settings

ICS = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//test//EN\r
BEGIN:VEVENT\r
UID:{uid}\r
DTSTAMP:20260101T000000Z\r
DTSTART;TZID=Europe/Paris:20260302T090000\r
DTEND;TZID=Europe/Paris:20260302T100000\r
SUMMARY:{summary}\r
RRULE:FREQ=WEEKLY;COUNT=4\r
EXDATE;TZID=Europe/Paris:20260309T090000\r
BEGIN:VALARM\r
ACTION:DISPLAY\r
TRIGGER:-PT15M\r
DESCRIPTION:soon\r
END:VALARM\r
END:VEVENT\r
END:VCALENDAR\r
"""


def http(method, url, body=None):
    auth = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    req = urllib.request.Request(url, data=body, method=method, headers={
        "Authorization": f"Basic {auth}", "Content-Type": "text/calendar", "Depth": "1"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status, r.read().decode()


def server_uids(calendar_url):
    _, body = http("PROPFIND", calendar_url)
    return body.count(".ics</")


def test_first_sync_brings_the_servers_events_down(tmp_path, calendar_url):
    for n in range(3):
        status, _ = http("PUT", f"{calendar_url}srv-{n}.ics",
                         ICS.format(uid=f"srv-{n}", summary=f"Server {n}").encode())
        assert status == 201
    phone = Phone(tmp_path, "a", calendar_url)
    report = phone.sync()
    assert report.status == ffi.SyncStatus.OK
    assert report.device.added == 3
    events = {uid: e for uid, (_, e) in phone.device.by_uid().items()}
    assert sorted(events) == ["srv-0", "srv-1", "srv-2"]
    e = events["srv-1"]
    assert e.summary == "Server 1"
    # 09:00 in Paris on 2026-03-02 is 08:00 UTC.
    assert e.start == ffi.EventTime.TIMED(epoch_ms=1772438400000, zone="Europe/Paris")
    assert e.rrule == "FREQ=WEEKLY;COUNT=4"
    assert e.exdate == "20260309T080000Z"
    assert e.alarms == [ffi.Alarm(trigger=ffi.AlarmTrigger.BEFORE_START(minutes=15),
                                  action=ffi.AlarmAction.DISPLAY, description="soon")]


def test_edits_and_deletions_propagate_both_ways(phones):
    a, b = phones
    ids = {f"e{n}": a.device.put(event(f"e{n}", f"Event {n}", hour=8 + n)) for n in range(4)}
    assert a.sync().server.added == 4
    assert b.sync().device.added == 4

    # Device A edits e0 and deletes e1; B gets both.
    a.device.put(event("e0", "Event 0 moved", hour=15), ids["e0"])
    a.device.remove(ids["e1"])
    r = a.sync()
    assert (r.server.updated, r.server.deleted) == (1, 1)
    r = b.sync()
    assert (r.device.updated, r.device.deleted) == (1, 1)
    on_b = b.device.by_uid()
    assert sorted(on_b) == ["e0", "e2", "e3"]
    assert on_b["e0"][1].summary == "Event 0 moved"

    # Device B edits e2 and deletes e3; A gets both.
    b_id, e2 = on_b["e2"]
    e2.summary = "Event 2 renamed"
    b.device.put(e2, b_id)
    b.device.remove(on_b["e3"][0])
    r = b.sync()
    assert (r.server.updated, r.server.deleted) == (1, 1)
    r = a.sync()
    assert (r.device.updated, r.device.deleted) == (1, 1)
    on_a = a.device.by_uid()
    assert sorted(on_a) == ["e0", "e2"]
    assert on_a["e2"][1].summary == "Event 2 renamed"


def test_a_mass_deletion_needs_confirmation_and_is_applied_when_confirmed(phones, calendar_url):
    a, b = phones
    ids = [a.device.put(event(f"m{n}", f"Meeting {n}", hour=n)) for n in range(12)]
    a.sync()
    for i in ids:
        a.device.remove(i)
    with pytest.raises(ffi.SyncError.NeedsConfirmation) as held:
        a.sync()
    plan = held.value.plan
    assert len(plan) == 12
    assert {(c.side, c.action) for c in plan} == {(ffi.Side.SERVER, ffi.ChangeAction.DELETE)}
    assert sorted(c.uid for c in plan) == sorted(f"m{n}" for n in range(12))
    assert held.value.reason.is_EMPTIED_SIDE() or held.value.reason.is_MASS_DELETION()
    assert server_uids(calendar_url) == 12, "nothing applied while held back"

    r = a.sync(confirmed=True)
    assert r.server.deleted == 12
    assert server_uids(calendar_url) == 0
    # The other phone would now lose everything: it is held back in turn.
    b.sync()  # (b had not synced before: nothing to lose, nothing to do)
    assert len(b.device) == 0


class Gate(ffi.SyncProgress):
    """Blocks the sync at its first applied change until the test opens the gate."""

    def __init__(self):
        self.reached = threading.Event()
        self.open = threading.Event()
        self.current = None

    def phase(self, name, total):
        self.current = name

    def advance(self, n):
        if self.current == "apply" and not self.reached.is_set():
            self.reached.set()
            assert self.open.wait(30)


def run_in_thread(f):
    result = {}

    def target():
        try:
            result["value"] = f()
        except Exception as e:  # noqa: BLE001 - handed to the test thread
            result["error"] = e

    t = threading.Thread(target=target)
    t.start()
    return t, result


def test_interrupt_from_another_thread_stops_a_long_sync_and_the_next_converges(phones):
    a, b = phones
    for n in range(120):
        a.device.put(event(f"long-{n}", f"Long {n}", hour=n % 24, day=1 + n // 24))
    gate = Gate()
    t, result = run_in_thread(lambda: a.sync(progress=gate))
    assert gate.reached.wait(60)
    stopper = threading.Thread(target=a.agent.interrupt)
    stopper.start()
    stopper.join()
    gate.open.set()
    t.join(120)
    assert isinstance(result.get("error"), ffi.SyncError.Interrupted), result
    r = a.sync()
    assert r.status == ffi.SyncStatus.OK
    assert r.server.added < 120, "the interrupted sync had uploaded some"
    assert b.sync().device.added == 120
    assert len(a.device) == 120


def test_a_wrong_password_is_auth(phones):
    a, _ = phones
    a.device.put(event("x", "X"))
    with pytest.raises(ffi.SyncError.Auth):
        a.sync(password="wrong")
    with pytest.raises(ffi.SyncError.Auth):
        a.agent.discover_calendars(a.account.server_url, USER, "wrong", plain_http_settings())


def test_an_exception_in_apply_is_a_clean_error_and_loses_nothing(phones, calendar_url):
    a, b = phones
    for n in range(3):
        b.device.put(event(f"b{n}", f"From B {n}", hour=n))
    b.sync()
    for n in range(2):
        a.device.put(event(f"a{n}", f"From A {n}", hour=10 + n))
    a.device.fail_apply = RuntimeError("the calendar provider died")
    with pytest.raises(ffi.SyncError.Device) as failed:
        a.sync()
    assert "the calendar provider died" in str(failed.value)
    assert sorted(a.device.by_uid()) == ["a0", "a1"]
    a.device.fail_apply = None
    assert a.sync().status == ffi.SyncStatus.OK
    assert sorted(a.device.by_uid()) == ["a0", "a1", "b0", "b1", "b2"]
    b.sync()
    assert sorted(b.device.by_uid()) == ["a0", "a1", "b0", "b1", "b2"]
    assert server_uids(calendar_url) == 5


def test_status_answers_during_a_sync(phones):
    a, _ = phones
    a.device.put(event("s", "S"))
    seen = {}
    answered = threading.Event()

    def ask_status():
        seen["status"] = a.agent.status(None)
        answered.set()

    def on_list():
        # The sync is running (inside device.list on its thread): ask from another one.
        threading.Thread(target=ask_status).start()
        assert answered.wait(20), "status() did not answer while the sync ran"

    a.device.on_list = on_list
    assert a.sync().status == ffi.SyncStatus.OK
    (status,) = seen["status"]
    assert status.account == "a"
    assert status.syncing
    assert [s.syncing for s in a.agent.status(None)] == [False]
    assert a.agent.history("a", 10)[0].status == ffi.SyncStatus.OK
