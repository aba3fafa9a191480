"""The Python bindings of synchro-ffi against a real Radicale: account settings, backups and
restore, conflicts."""

import base64
import re
import urllib.request

import pytest
import synchro_ffi as ffi
from conftest import PASSWORD, USER, event, plain_http_settings


def http(method, url):
    auth = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    req = urllib.request.Request(url, method=method, headers={
        "Authorization": f"Basic {auth}", "Depth": "1"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.read().decode()


def server_events(calendar_url):
    """UID -> SUMMARY of every event in the server calendar."""
    origin = re.match(r"https?://[^/]+", calendar_url).group(0)
    hrefs = re.findall(r"<[^>]*href>([^<]*\.ics)</", http("PROPFIND", calendar_url))
    out = {}
    for href in hrefs:
        ics = http("GET", origin + href)
        uid = re.search(r"^UID:(.*?)\r?$", ics, re.M).group(1)
        out[uid] = re.search(r"^SUMMARY:(.*?)\r?$", ics, re.M).group(1)
    return out


def test_update_account_reads_back_backs_up_and_applies_the_new_thresholds(phones,
                                                                           calendar_url):
    a, _ = phones
    ids = [a.device.put(event(f"u{n}", f"Update {n}", hour=n)) for n in range(6)]
    assert a.sync().server.added == 6
    settings = plain_http_settings()
    settings.max_delete_percent = 10
    settings.max_delete_count = 2
    backup_id = a.agent.update_account(
        "a", ffi.AccountUpdate(past_days=None, settings=settings), a.device)
    assert backup_id is not None
    (info,) = a.agent.list_accounts()
    assert (info.settings.max_delete_percent, info.settings.max_delete_count) == (10, 2)
    backup = {b.id: b for b in a.agent.backups("a")}[backup_id]
    assert backup.reason == ffi.BackupReason.SETTINGS_CHANGE
    assert backup.device_items == 6

    # 3 of 6 is within the default thresholds (30 %, 10) but not the new ones.
    for i in ids[:3]:
        a.device.remove(i)
    with pytest.raises(ffi.SyncError.NeedsConfirmation) as held:
        a.sync()
    assert held.value.reason == ffi.HoldReason.MASS_DELETION(
        side=ffi.Side.SERVER, deletions=3, known=6, max_percent=10, max_count=2)
    assert len(server_events(calendar_url)) == 6, "nothing applied while held back"
    assert a.sync(confirmed=True).server.deleted == 3
    assert sorted(server_events(calendar_url)) == ["u3", "u4", "u5"]


def test_a_confirmed_restore_brings_back_both_sides_and_a_dry_run_changes_nothing(
        phones, calendar_url):
    a, _ = phones
    ids = {f"r{n}": a.device.put(event(f"r{n}", f"Restore {n}", hour=n)) for n in range(3)}
    a.sync()
    backup = a.agent.create_backup("a", PASSWORD, a.device)
    assert (backup.reason, backup.full, backup.side) == (
        ffi.BackupReason.MANUAL, True, ffi.Side.BOTH)
    assert (backup.device_items, backup.server_items) == (3, 3)
    assert backup.id in [b.id for b in a.agent.backups("a")]

    a.device.remove(ids["r0"])
    a.device.put(event("r3", "Added later", hour=5))
    r = a.sync()
    assert (r.server.added, r.server.deleted) == (1, 1)
    after = ["r1", "r2", "r3"]

    dry = a.agent.restore(backup.id, ffi.Side.BOTH, True, True, PASSWORD, a.device)
    assert dry.dry_run
    changes = {(c.side, c.action, c.uid) for c in dry.changes}
    for side in (ffi.Side.DEVICE, ffi.Side.SERVER):
        assert (side, ffi.RestoreAction.ADD, "r0") in changes, changes
        assert (side, ffi.RestoreAction.REMOVE, "r3") in changes, changes
    assert sorted(a.device.by_uid()) == after
    assert sorted(server_events(calendar_url)) == after

    done = a.agent.restore(backup.id, ffi.Side.BOTH, False, True, PASSWORD, a.device)
    assert not done.dry_run and done.errors == []
    assert sorted(a.device.by_uid()) == ["r0", "r1", "r2"]
    assert sorted(server_events(calendar_url)) == ["r0", "r1", "r2"]
    assert a.device.by_uid()["r0"][1].summary == "Restore 0"
    r = a.sync()
    assert r.status == ffi.SyncStatus.OK
    assert (r.server.added, r.server.deleted, r.device.added, r.device.deleted) == (0, 0, 0, 0)


def test_a_conflict_is_won_by_the_server_and_the_losing_version_is_kept(phones,
                                                                        calendar_url):
    a, b = phones
    i = a.device.put(event("c", "Original"))
    a.sync()
    b.sync()
    a.device.put(event("c", "Version A", hour=11), i)
    b_id, e = b.device.by_uid()["c"]
    e.summary = "Version B"
    b.device.put(e, b_id)
    assert a.sync().server.updated == 1
    r = b.sync()
    assert r.conflicts == 1
    assert b.device.by_uid()["c"][1].summary == "Version A"
    assert server_events(calendar_url) == {"c": "Version A"}
    (kept,) = b.agent.conflicts("b")
    assert (kept.account, kept.uid, kept.losing_side) == ("b", "c", ffi.Side.DEVICE)
    assert "SUMMARY:Version B" in kept.ics
    assert a.agent.conflicts(None) == []
    # Looked at: dismissed, once.
    assert b.agent.status("b")[0].conflicts_kept == 1
    assert b.agent.dismiss_conflicts([kept.id]) == 1
    assert b.agent.dismiss_conflicts([kept.id]) == 0
    assert b.agent.conflicts("b") == []
    assert b.agent.status("b")[0].conflicts_kept == 0
