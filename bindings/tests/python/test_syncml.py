"""The Python bindings of synchro-ffi as a SyncML client of a real SyncEvolution server:
phones on one server calendar, both ways, and a wrong password."""

import pytest
import synchro_ffi as ffi
from conftest import SyncMlPhone, event


def test_syncml_down_up_second_phone_edit_and_deletion(tmp_path, syncml_server):
    one = SyncMlPhone(tmp_path, "one", syncml_server, 1)
    ids = {f"p{n}": one.device.put(event(f"p{n}", f"Phone {n}", hour=10 + n)) for n in range(2)}
    r = one.sync()
    assert r.status == ffi.SyncStatus.OK, r
    assert (r.device.added, r.server.added) == (2, 2)
    assert sorted(one.device.by_uid()) == ["p0", "p1", "seed-1", "seed-2"]
    assert one.device.by_uid()["seed-1"][1].summary == "Seed 1"

    two = SyncMlPhone(tmp_path, "two", syncml_server, 2)
    assert two.sync().device.added == 4
    assert sorted(two.device.by_uid()) == ["p0", "p1", "seed-1", "seed-2"]

    one.device.put(event("p0", "Phone 0 moved", hour=15), ids["p0"])
    one.device.remove(ids["p1"])
    r = one.sync()
    assert (r.server.updated, r.server.deleted) == (1, 1), r
    r = two.sync()
    assert (r.device.updated, r.device.deleted) == (1, 1), r
    on_two = two.device.by_uid()
    assert sorted(on_two) == ["p0", "seed-1", "seed-2"]
    assert on_two["p0"][1].summary == "Phone 0 moved"


def test_syncml_wrong_password_is_auth(tmp_path, syncml_server):
    three = SyncMlPhone(tmp_path, "three", syncml_server, 3)
    three.device.put(event("x", "X"))
    with pytest.raises(ffi.SyncError.Auth):
        three.sync(password="wrong")
