"""The sandbox answers exactly what the Gcore Cloud tasks contract describes.

Every response body is validated against the schemas of
tests/contract/gcore-cloud-tasks.openapi.yaml (OpenAPI 3.1 = JSON Schema 2020-12).
Most tests drive a manual clock, so task state transitions need no sleeping.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from gcore_sandbox import CREATED_RESOURCE_KEYS, Sandbox  # noqa: E402

CONTRACT = HERE.parent / "contract" / "gcore-cloud-tasks.openapi.yaml"
KEY = "test-key"
AUTH = {"Authorization": "APIKey " + KEY}
TS_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$")  # zone-less, microseconds
ERROR_SCHEMA = {
    "type": "object",
    "required": ["exception_class", "message", "request_id"],
    "properties": {"exception_class": {"type": "string", "minLength": 1},
                   "message": {"type": "string"},
                   "request_id": {"type": "string", "format": "uuid"},
                   "invalid_fields": {"type": "object"}},
}


# ----------------------------------------------------------------------------- fixtures

class ManualClock:
    """Injectable clock: starts at real time, moves only when told."""

    def __init__(self):
        self.t = time.time()
        self._lock = threading.Lock()

    def __call__(self):
        with self._lock:
            return self.t

    def advance(self, seconds):
        with self._lock:
            self.t += seconds


@pytest.fixture(scope="session")
def contract():
    with CONTRACT.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@pytest.fixture(scope="session")
def validate(contract):
    resource = Resource.from_contents(contract, default_specification=DRAFT202012)
    registry = Registry().with_resource("urn:gcore-cloud", resource)
    cache = {}

    def _validate(schema_name, instance):
        if schema_name not in cache:
            ref = {"$ref": "urn:gcore-cloud#/components/schemas/" + schema_name}
            cache[schema_name] = Draft202012Validator(ref, registry=registry)
        errors = sorted(cache[schema_name].iter_errors(instance), key=str)
        assert not errors, "%s: %s" % (schema_name, [e.message for e in errors[:5]])
        return instance

    return _validate


@pytest.fixture(scope="module")
def clock():
    return ManualClock()


@pytest.fixture(scope="module")
def server(clock):
    sb = Sandbox(api_key=KEY, volume_duration=0.5, volume_queue=0.1, clock=clock)
    sb.start()
    yield sb
    sb.stop()


@pytest.fixture()
def sb(server):
    server.reset()
    yield server
    server.reset()


@pytest.fixture()
def http(sb):
    with requests.Session() as session:
        session.headers.update(AUTH)
        session.headers["User-Agent"] = "gcore.tasks-tests/1.0"
        yield session


def get_task(http, sb, task_id, status=200):
    r = http.get(sb.url + "/cloud/v1/tasks/" + task_id)
    assert r.status_code == status, r.text
    return r.json()


def list_tasks(http, sb, params=None, status=200):
    r = http.get(sb.url + "/cloud/v1/tasks", params=params)
    assert r.status_code == status, r.text
    return r.json()


def assert_error(r, status, exception_class=None):
    assert r.status_code == status, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    body = r.json()
    Draft202012Validator(ERROR_SCHEMA).validate(body)
    uuid.UUID(body["request_id"])
    assert r.headers["X-Request-ID"] == body["request_id"]
    if exception_class:
        assert body["exception_class"] == exception_class
    return body


# ----------------------------------------------------------------------------- task model

def test_task_lifecycle_new_running_finished(sb, http, clock, validate, contract):
    task_props = set(contract["components"]["schemas"]["TaskSerializer"]["properties"])
    (tid,) = sb.add_tasks([{"task_type": "create_vm", "queued": 1.0, "duration": 3.0,
                            "project_id": 7, "region_id": 8,
                            "data": {"name": "vm1", "nested": {"a": [1, 2]}}}])
    new = validate("TaskSerializer", get_task(http, sb, tid))
    assert set(new) == task_props  # every field, nothing extra
    assert new["state"] == "NEW"
    assert new["data"] == {"name": "vm1", "nested": {"a": [1, 2]}}
    assert (new["project_id"], new["region_id"], new["user_id"]) == (7, 8, 1001)
    assert new["detailed_state"] is None and new["error"] is None
    assert new["finished_on"] is None and new["acknowledged_at"] is None
    assert new["acknowledged_by"] is None
    assert TS_RE.match(new["created_on"]) and TS_RE.match(new["updated_on"])
    assert list(new["created_resources"]) == list(CREATED_RESOURCE_KEYS)
    assert len(new["created_resources"]) == 36
    assert all(v == [] for v in new["created_resources"].values())

    clock.advance(1.5)
    running = validate("TaskSerializer", get_task(http, sb, tid))
    assert running["state"] == "RUNNING"
    assert running["updated_on"] > new["updated_on"]
    assert running["finished_on"] is None
    assert all(v == [] for v in running["created_resources"].values())

    clock.advance(2.0)
    done = validate("TaskSerializer", get_task(http, sb, tid))
    assert done["state"] == "FINISHED"
    assert TS_RE.match(done["finished_on"]) and done["finished_on"] == done["updated_on"]
    assert done["updated_on"] > running["updated_on"]
    assert done["created_on"] == new["created_on"]
    res = done["created_resources"]
    assert set(res) == set(CREATED_RESOURCE_KEYS)
    assert len(res["instances"]) == 1 and uuid.UUID(res["instances"][0])
    assert all(v == [] for k, v in res.items() if k != "instances")


def test_task_error_has_null_created_resources(sb, http, clock, validate):
    (tid,) = sb.add_tasks([{"task_type": "create_network", "outcome": "ERROR",
                            "error": "Network quota exceeded", "duration": 0.5}])
    running = validate("TaskSerializer", get_task(http, sb, tid))
    assert running["state"] == "RUNNING" and running["error"] is None
    clock.advance(1)
    failed = validate("TaskSerializer", get_task(http, sb, tid))
    assert failed["state"] == "ERROR"
    assert failed["error"] == "Network quota exceeded"
    assert failed["created_resources"] is None
    assert TS_RE.match(failed["finished_on"])


def test_explicit_created_resources_and_type_defaults(sb, http, clock, validate):
    explicit, lb, other, ddos = sb.add_tasks([
        {"task_type": "create_vm", "created_resources": {"instances": ["i-1"], "ports": ["p-1"]}},
        {"task_type": "create_loadbalancer"},
        {"task_type": "stop_vm"},
        {"task_type": "create_ddos_profile"},
    ])
    clock.advance(2)
    t = validate("TaskSerializer", get_task(http, sb, explicit))
    assert t["created_resources"]["instances"] == ["i-1"]
    assert t["created_resources"]["ports"] == ["p-1"]
    t = validate("TaskSerializer", get_task(http, sb, lb))
    assert len(t["created_resources"]["loadbalancers"]) == 1
    t = validate("TaskSerializer", get_task(http, sb, other))
    assert all(v == [] for v in t["created_resources"].values())
    t = validate("TaskSerializer", get_task(http, sb, ddos))
    assert isinstance(t["created_resources"]["ddos_profiles"][0], int)


def test_stuck_task_stays_running(sb, http, clock, validate):
    (tid,) = sb.add_tasks([{"task_type": "create_k8s_cluster_v2", "duration": None}])
    clock.advance(10 ** 6)
    task = validate("TaskSerializer", get_task(http, sb, tid))
    assert task["state"] == "RUNNING" and task["finished_on"] is None


def test_vanish_then_404(sb, http, validate):
    a, b = sb.add_tasks([{}, {}])
    validate("TaskSerializer", get_task(http, sb, a))
    assert sb.vanish(a) is True
    assert_error(http.get(sb.url + "/cloud/v1/tasks/" + a), 404, "TaskNotFound")
    r = requests.post(sb.url + "/_sandbox/tasks/%s/vanish" % b)
    assert r.status_code == 200
    assert_error(http.get(sb.url + "/cloud/v1/tasks/" + b), 404, "TaskNotFound")
    assert list_tasks(http, sb)["count"] == 0
    assert requests.post(sb.url + "/_sandbox/tasks/%s/vanish" % b).status_code == 404


def test_unknown_task_and_unknown_routes(sb, http):
    assert_error(http.get(sb.url + "/cloud/v1/tasks/" + str(uuid.uuid4())), 404, "TaskNotFound")
    (tid,) = sb.add_tasks([{}])
    assert_error(http.get(sb.url + "/cloud/v1/tasks/%s/extra" % tid), 404)
    assert_error(http.get(sb.url + "/cloud/v1/nothing"), 404)
    assert_error(http.get(sb.url + "/elsewhere"), 404)
    assert_error(http.delete(sb.url + "/cloud/v1/tasks/" + tid), 405)
    assert sb.counters()["routes"]["UNMATCHED"] == 3


# ----------------------------------------------------------------------------- auth

def test_auth(sb, validate):
    url = sb.url + "/cloud/v1/tasks"
    for headers in ({}, {"Authorization": "APIKey wrong"}, {"Authorization": "Bearer " + KEY},
                    {"Authorization": "APIKey  " + KEY}, {"Authorization": KEY}):
        body = assert_error(requests.get(url, headers=headers), 401, "NotAuthenticated")
        assert body["message"]
    for scheme in ("apikey", "APIKEY", "ApiKey"):
        r = requests.get(url, headers={"Authorization": "%s %s" % (scheme, KEY)})
        assert r.status_code == 200
        validate("TaskCollectionSerializer", r.json())
    assert sb.counters()["routes"]["GET /cloud/v1/tasks"] == 8  # 401s count too


# ----------------------------------------------------------------------------- list endpoint

def test_pagination_walk_returns_each_task_once(sb, http, validate):
    ids = sb.add_tasks([{"created_offset": -i * 0.001} for i in range(25)])
    seen, offset, pages = [], 0, 0
    while True:
        page = validate("TaskCollectionSerializer",
                        list_tasks(http, sb, {"limit": 10, "offset": offset}))
        assert page["count"] == 25
        seen += [t["id"] for t in page["results"]]
        offset += len(page["results"])
        pages += 1
        if offset >= page["count"] or not page["results"]:
            break
    assert pages == 3 and sorted(seen) == sorted(ids) and len(set(seen)) == 25
    assert len(list_tasks(http, sb)["results"]) == 10  # default limit
    assert list_tasks(http, sb, {"offset": 100})["results"] == []


def test_repeated_key_list_filters(sb, http, clock, validate):
    sb.add_tasks([{"project_id": 1, "region_id": 1, "queued": 5},            # NEW
                  {"project_id": 2, "region_id": 1, "duration": 5},          # RUNNING
                  {"project_id": 3, "region_id": 2, "duration": 0.1},        # FINISHED
                  {"project_id": 1, "region_id": 2, "duration": 0.1, "outcome": "ERROR"}])
    clock.advance(1)
    page = validate("TaskCollectionSerializer",
                    list_tasks(http, sb, [("state", "NEW"), ("state", "RUNNING")]))
    assert page["count"] == 2 and {t["state"] for t in page["results"]} == {"NEW", "RUNNING"}
    page = list_tasks(http, sb, [("project_id", 1), ("project_id", 2)])
    assert page["count"] == 3 and {t["project_id"] for t in page["results"]} == {1, 2}
    page = list_tasks(http, sb, [("region_id", 2), ("state", "ERROR"), ("state", "FINISHED")])
    assert page["count"] == 2
    page = list_tasks(http, sb, {"state": "FINISHED", "task_type": "create_volume"})
    assert page["count"] == 1 and page["results"][0]["project_id"] == 3
    assert list_tasks(http, sb, {"task_type": "create_vm"})["count"] == 0
    # comma-joined lists are not the contract's encoding
    for params in ({"state": "NEW,RUNNING"}, {"project_id": "1,2"}, {"state": "new"},
                   {"is_acknowledged": "maybe"}, {"order_by": "up"}, {"region_id": "x"}):
        body = assert_error(http.get(sb.url + "/cloud/v1/tasks", params=params), 422,
                            "ValidationError")
        assert set(body["invalid_fields"]) == set(params)


def test_order_by_and_sorting_alias(sb, http, validate):
    old, mid, new = sb.add_tasks([{"created_offset": -30}, {"created_offset": -20},
                                  {"created_offset": -10}])

    def order(params):
        page = validate("TaskCollectionSerializer", list_tasks(http, sb, params))
        return [t["id"] for t in page["results"]]

    assert order({}) == [new, mid, old]  # default desc = newest first
    assert order({"order_by": "desc"}) == [new, mid, old]
    assert order({"order_by": "asc"}) == [old, mid, new]
    assert order({"sorting": "asc"}) == [old, mid, new]
    assert order({"sorting": "desc"}) == [new, mid, old]
    assert order({"order_by": "asc", "sorting": "desc"}) == [old, mid, new]


def test_timestamp_filters(sb, http, validate):
    old, mid, new = sb.add_tasks([{"created_offset": -30}, {"created_offset": -20},
                                  {"created_offset": -10}])
    mid_on = get_task(http, sb, mid)["created_on"]

    def ids(params):
        page = validate("TaskCollectionSerializer", list_tasks(http, sb, params))
        return {t["id"] for t in page["results"]}

    for suffix in ("", "Z", "+00:00"):
        assert ids({"from_timestamp": mid_on + suffix}) == {mid, new}  # inclusive
        assert ids({"to_timestamp": mid_on + suffix}) == {old, mid}
        assert ids({"from_timestamp": mid_on + suffix, "to_timestamp": mid_on + suffix}) == {mid}
    # another zone: same instant written as +02:00
    hh = int(mid_on[11:13])
    shifted = "%s%02d%s+02:00" % (mid_on[:11], (hh + 2) % 24, mid_on[13:])
    if hh < 22:
        assert ids({"from_timestamp": shifted}) == {mid, new}
    assert ids({"from_timestamp": "2000-01-01T00:00:00"}) == {old, mid, new}
    assert ids({"to_timestamp": "2000-01-01"}) == set()
    body = assert_error(http.get(sb.url + "/cloud/v1/tasks", params={"from_timestamp": "yesterday"}),
                        422, "ValidationError")
    assert "from_timestamp" in body["invalid_fields"]


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 1001}, {"limit": -1},
                                    {"limit": "ten"}, {"offset": -1}, {"offset": "x"}])
def test_limit_offset_validation(sb, http, params):
    body = assert_error(http.get(sb.url + "/cloud/v1/tasks", params=params), 422,
                        "ValidationError")
    assert set(body["invalid_fields"]) == set(params)


def test_limit_bounds_accepted(sb, http, validate):
    sb.add_tasks([{}] * 3)
    assert len(validate("TaskCollectionSerializer", list_tasks(http, sb, {"limit": 1}))["results"]) == 1
    assert len(list_tasks(http, sb, {"limit": 1000})["results"]) == 3


# ----------------------------------------------------------------------------- active endpoint

def test_active_endpoint(sb, http, clock, validate):
    a, b, _done, _other, c = sb.add_tasks([
        {"project_id": 5, "region_id": 6, "task_type": "create_vm", "queued": 5, "duration": 9},
        {"project_id": 5, "region_id": 6, "task_type": "create_volume", "duration": 9},
        {"project_id": 5, "region_id": 6, "duration": 0.1},
        {"project_id": 5, "region_id": 7, "duration": 9},
        {"project_id": 5, "region_id": 6, "task_type": "delete_vm", "duration": 9},
    ])
    clock.advance(1)
    url = sb.url + "/cloud/v1/tasks/5/6/active"
    page = validate("TaskCollectionSerializer", http.get(url).json())
    assert page["count"] == 3 and {t["id"] for t in page["results"]} == {a, b, c}
    assert {t["state"] for t in page["results"]} == {"NEW", "RUNNING"}
    r = http.get(url, params=[("task_type", "create_vm"), ("task_type", "delete_vm")])
    page = validate("TaskCollectionSerializer", r.json())
    assert {t["id"] for t in page["results"]} == {a, c}
    page = validate("TaskCollectionSerializer", http.get(url, params={"limit": 1, "offset": 1}).json())
    assert page["count"] == 3 and len(page["results"]) == 1
    assert_error(http.get(url, params={"limit": 0}), 422, "ValidationError")
    assert_error(http.get(sb.url + "/cloud/v1/tasks/x/6/active"), 422, "ValidationError")
    clock.advance(100)
    assert http.get(url).json() == {"count": 0, "results": []}


# ----------------------------------------------------------------------------- acknowledge

def test_acknowledge_one(sb, http, validate):
    (tid,) = sb.add_tasks([{}])
    r = http.post(sb.url + "/cloud/v1/tasks/%s/acknowledge" % tid)
    assert r.status_code == 200
    task = validate("TaskSerializer", r.json())
    assert TS_RE.match(task["acknowledged_at"]) and task["acknowledged_by"] == 1001
    assert get_task(http, sb, tid)["acknowledged_at"] == task["acknowledged_at"]
    assert list_tasks(http, sb, {"is_acknowledged": "true"})["count"] == 1
    assert list_tasks(http, sb, {"is_acknowledged": "false"})["count"] == 0
    assert_error(http.post(sb.url + "/cloud/v1/tasks/nope/acknowledge"), 404, "TaskNotFound")


def test_acknowledge_all(sb, http, validate):
    sb.add_tasks([{"project_id": 1, "region_id": 1}, {"project_id": 2, "region_id": 1},
                  {"project_id": 2, "region_id": 3}])
    assert list_tasks(http, sb, {"is_acknowledged": "false"})["count"] == 3
    r = http.post(sb.url + "/cloud/v1/tasks/acknowledge_all", params={"project_id": 2, "region_id": 3})
    assert r.status_code == 204 and r.content == b"" and r.headers["X-Request-ID"]
    assert list_tasks(http, sb, {"is_acknowledged": "false"})["count"] == 2
    r = http.post(sb.url + "/cloud/v1/tasks/acknowledge_all")
    assert r.status_code == 204 and r.content == b""
    page = validate("TaskCollectionSerializer", list_tasks(http, sb, {"is_acknowledged": "false"}))
    assert page["count"] == 0
    assert list_tasks(http, sb, {"is_acknowledged": "true"})["count"] == 3
    assert_error(http.post(sb.url + "/cloud/v1/tasks/acknowledge_all", params={"project_id": "a"}),
                 422, "ValidationError")


def test_deprecated_acknowledge(sb, http):
    a, b = sb.add_tasks([{}, {}])
    r = http.post(sb.url + "/cloud/v1/tasks/acknowledge", json={"task_ids": [a]})
    assert r.status_code == 204 and r.content == b""
    assert get_task(http, sb, a)["acknowledged_by"] == 1001
    assert get_task(http, sb, b)["acknowledged_at"] is None
    assert http.post(sb.url + "/cloud/v1/tasks/acknowledge").status_code == 204
    assert get_task(http, sb, b)["acknowledged_at"] is not None
    assert_error(http.post(sb.url + "/cloud/v1/tasks/acknowledge", json={"task_ids": "x"}), 422)


# ----------------------------------------------------------------------------- volumes

def test_volume_create_get_delete(sb, http, clock, validate):
    body = {"source": "new-volume", "name": "vol-1", "size": 5, "type_name": "ssd_hiiops",
            "tags": {"env": "test"}}
    r = http.post(sb.url + "/cloud/v1/volumes/11/22", json=body)
    assert r.status_code == 200
    (tid,) = validate("TaskIDsSerializer", r.json())["tasks"]
    task = validate("TaskSerializer", get_task(http, sb, tid))
    assert task["state"] == "NEW" and task["task_type"] == "create_volume"
    assert task["data"] == body and (task["project_id"], task["region_id"]) == (11, 22)
    clock.advance(0.2)
    assert get_task(http, sb, tid)["state"] == "RUNNING"
    clock.advance(0.5)
    task = validate("TaskSerializer", get_task(http, sb, tid))
    assert task["state"] == "FINISHED"
    (vol_id,) = task["created_resources"]["volumes"]
    vurl = sb.url + "/cloud/v1/volumes/11/22/" + vol_id
    vol = validate("VolumeSerializer", http.get(vurl).json())
    assert (vol["id"], vol["name"], vol["size"], vol["status"]) == (vol_id, "vol-1", 5, "available")
    assert vol["tags"] == [{"key": "env", "value": "test", "read_only": False}]
    listing = validate("VolumeCollectionSerializer", http.get(sb.url + "/cloud/v1/volumes/11/22").json())
    assert listing["count"] == 1
    assert_error(http.get(sb.url + "/cloud/v1/volumes/11/23/" + vol_id), 404)
    r = http.patch(vurl, json={"name": "vol-renamed"})
    assert validate("VolumeSerializer", r.json())["name"] == "vol-renamed"

    r = http.delete(vurl)
    (dtid,) = validate("TaskIDsSerializer", r.json())["tasks"]
    dtask = validate("TaskSerializer", get_task(http, sb, dtid))
    assert dtask["task_type"] == "delete_volume"
    assert validate("VolumeSerializer", http.get(vurl).json())["status"] == "deleting"
    assert_error(http.delete(vurl), 409)
    clock.advance(1)
    dtask = validate("TaskSerializer", get_task(http, sb, dtid))
    assert dtask["state"] == "FINISHED"
    assert all(v == [] for v in dtask["created_resources"].values())
    assert_error(http.get(vurl), 404, "VolumeNotFound")


def test_volume_while_creating_and_fail_prefix(sb, http, clock, validate):
    r = http.post(sb.url + "/cloud/v1/volumes/1/1",
                  json={"source": "new-volume", "name": "fail-quota", "size": 1})
    (tid,) = validate("TaskIDsSerializer", r.json())["tasks"]
    clock.advance(0.2)
    running = validate("TaskSerializer", get_task(http, sb, tid))
    assert running["state"] == "RUNNING"
    vol = http.get(sb.url + "/cloud/v1/volumes/1/1").json()["results"][0]
    assert validate("VolumeSerializer", vol)["status"] == "creating"
    assert vol["task_id"] == tid
    clock.advance(1)
    failed = validate("TaskSerializer", get_task(http, sb, tid))
    assert failed["state"] == "ERROR" and "Quota exceeded" in failed["error"]
    assert failed["created_resources"] is None
    # the failed volume stays, in an error state, until it is deleted
    failed_vol = validate("VolumeSerializer", http.get(sb.url + "/cloud/v1/volumes/1/1/" + vol["id"]).json())
    assert (failed_vol["status"], failed_vol["task_id"], failed_vol["creator_task_id"]) == ("error", None, tid)
    (dtid,) = http.delete(sb.url + "/cloud/v1/volumes/1/1/" + vol["id"]).json()["tasks"]
    clock.advance(1)
    assert get_task(http, sb, dtid)["state"] == "FINISHED"
    assert_error(http.get(sb.url + "/cloud/v1/volumes/1/1/" + vol["id"]), 404)


@pytest.mark.parametrize("body,field", [
    ({"source": "disk", "name": "vol-1", "size": 1}, "source"),
    ({"name": "vol-1", "size": 1}, "source"),
    ({"source": "new-volume", "size": 1}, "name"),
    ({"source": "new-volume", "name": 5, "size": 1}, "name"),
    ({"source": "new-volume", "name": "vol-1"}, "size"),
    ({"source": "new-volume", "name": "vol-1", "size": 0}, "size"),
    ({"source": "new-volume", "name": "vol-1", "size": "1"}, "size"),
    ({"source": "image", "name": "vol-1", "size": 1}, "image_id"),
    ({"source": "snapshot", "name": "vol-1"}, "snapshot_id"),
    ({"source": "new-volume", "name": "vol-1", "size": 1, "type_name": "floppy"}, "type_name"),
])
def test_volume_create_validation(sb, http, body, field):
    r = http.post(sb.url + "/cloud/v1/volumes/1/1", json=body)
    err = assert_error(r, 422, "ValidationError")
    assert field in err["invalid_fields"]
    assert list_tasks(http, sb)["count"] == 0


def test_volume_create_other_sources_and_bad_json(sb, http, validate):
    for body in ({"source": "image", "name": "boot-1", "size": 10, "image_id": str(uuid.uuid4())},
                 {"source": "snapshot", "name": "from-snap", "snapshot_id": str(uuid.uuid4())}):
        validate("TaskIDsSerializer", http.post(sb.url + "/cloud/v1/volumes/1/1", json=body).json())
    r = http.post(sb.url + "/cloud/v1/volumes/1/1", data="{not json",
                  headers={"Content-Type": "application/json"})
    assert_error(r, 422, "ValidationError")


def test_real_clock_progression(validate):
    """Without the manual clock a volume task really moves NEW -> RUNNING -> FINISHED."""
    with Sandbox(api_key=KEY, volume_duration=0.3, volume_queue=0.1) as real:
        r = requests.post(real.url + "/cloud/v1/volumes/1/1", headers=AUTH,
                          json={"source": "new-volume", "name": "vol-rt", "size": 1})
        (tid,) = r.json()["tasks"]
        states = []
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            t = validate("TaskSerializer",
                         requests.get(real.url + "/cloud/v1/tasks/" + tid, headers=AUTH).json())
            if not states or states[-1] != t["state"]:
                states.append(t["state"])
            if t["state"] == "FINISHED":
                break
            time.sleep(0.03)
        assert states == ["NEW", "RUNNING", "FINISHED"]


# ----------------------------------------------------------------------------- faults, counters

def test_fault_429_with_retry_after_then_normal(sb, http, validate):
    (tid,) = sb.add_tasks([{}])
    r = requests.post(sb.url + "/_sandbox/faults",
                      json={"route": "GET /cloud/v1/tasks/{task_id}", "status": 429,
                            "headers": {"Retry-After": "1"}, "times": 2})
    assert r.status_code == 200
    for _unused in range(2):
        r = http.get(sb.url + "/cloud/v1/tasks/" + tid)
        assert r.status_code == 429 and r.headers["Retry-After"] == "1"
        assert_error(r, 429)
    validate("TaskSerializer", get_task(http, sb, tid))
    assert list_tasks(http, sb)["count"] == 1  # other routes were never affected
    counters = requests.get(sb.url + "/_sandbox/counters").json()
    assert counters["routes"]["GET /cloud/v1/tasks/{task_id}"] == 3
    assert counters["total"] == 4


def test_fault_503_html_body_before_auth(sb, http):
    html = "<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>"
    sb.add_fault(route="*", status=503, body=html, content_type="text/html")
    r = requests.get(sb.url + "/cloud/v1/tasks")  # no auth: the gateway answers first
    assert r.status_code == 503 and r.text == html
    assert r.headers["Content-Type"] == "text/html"
    assert r.headers["X-Request-ID"]
    assert list_tasks(http, sb)["count"] == 0
    counts = sb.counters()
    assert (counts["total"], counts["writes"], counts["routes"]) == (2, 0, {"GET /cloud/v1/tasks": 2})
    assert (counts["methods"], counts["served"], counts["throttled"]) == ({"GET": 2}, 2, 0)


def test_fault_reset_truncate_hang(sb, http, validate):
    (tid,) = sb.add_tasks([{}])
    url = sb.url + "/cloud/v1/tasks/" + tid
    sb.add_fault(route="GET /cloud/v1/tasks/{task_id}", action="reset")
    with pytest.raises(requests.exceptions.ConnectionError):
        http.get(url)
    sb.add_fault(route="GET /cloud/v1/tasks/{task_id}", action="truncate")
    with pytest.raises((requests.exceptions.ChunkedEncodingError,
                        requests.exceptions.ConnectionError)):
        http.get(url)
    sb.add_fault(route="GET /cloud/v1/tasks/{task_id}", action="hang", latency=0.6)
    with pytest.raises(requests.exceptions.ReadTimeout):
        http.get(url, timeout=0.2)
    validate("TaskSerializer", get_task(http, sb, tid))
    assert sb.counters()["routes"]["GET /cloud/v1/tasks/{task_id}"] == 4
    assert sb.faults() == []


def test_fault_clear_and_global_latency(sb, http):
    sb.add_fault(status=500, times=None)
    assert requests.delete(sb.url + "/_sandbox/faults").status_code == 200
    assert http.get(sb.url + "/cloud/v1/tasks").status_code == 200
    r = requests.post(sb.url + "/_sandbox/config", json={"latency": 0.15})
    assert r.json()["latency"] == 0.15
    start = time.monotonic()
    assert http.get(sb.url + "/cloud/v1/tasks").status_code == 200
    assert time.monotonic() - start >= 0.14
    start = time.monotonic()
    assert requests.get(sb.url + "/_sandbox/health").json() == {"ok": True}
    assert time.monotonic() - start < 0.1  # control API is never delayed
    assert requests.post(sb.url + "/_sandbox/config", json={"bogus": 1}).status_code == 400


def test_request_log_and_counter_reset(sb, http):
    http.get(sb.url + "/cloud/v1/tasks", params={"limit": 5})
    http.post(sb.url + "/cloud/v1/volumes/1/1", json={"source": "new-volume", "name": "vol-x", "size": 1})
    log = requests.get(sb.url + "/_sandbox/requests").json()["requests"]
    assert [e["route"] for e in log] == ["GET /cloud/v1/tasks",
                                         "POST /cloud/v1/volumes/{project_id}/{region_id}"]
    assert log[0]["query"] == "limit=5" and log[0]["status"] == 200
    assert log[0]["headers"]["User-Agent"] == "gcore.tasks-tests/1.0"
    assert log[0]["headers"]["Authorization"] == "APIKey " + KEY
    assert '"vol-x"' in log[1]["body"]
    assert requests.post(sb.url + "/_sandbox/counters/reset").json() == {
        "total": 0, "writes": 0, "routes": {}, "methods": {}, "write_routes": {}, "served": 0, "throttled": 0,
        "throttled_writes": 0, "throttled_routes": {}}
    assert sb.requests() == []
    assert list_tasks(http, sb)["count"] == 1  # reset of counters keeps tasks
    assert requests.post(sb.url + "/_sandbox/reset").json() == {"ok": True}
    assert list_tasks(http, sb)["count"] == 0


def test_control_api_seeding_over_http(sb, http, clock, validate):
    r = requests.post(sb.url + "/_sandbox/tasks", json={"tasks": [
        {"task_type": "create_vm", "duration": 3.0, "queued": 0.5, "outcome": "FINISHED",
         "project_id": 1, "region_id": 1, "created_resources": {"instances": ["abc"]},
         "data": {"x": {"y": 1}}, "created_offset": -10.0},
        {"task_type": "create_subnet", "outcome": "ERROR", "error": "boom"}]})
    assert r.status_code == 200
    vm, subnet = validate("TaskIDsSerializer", r.json())["tasks"]
    vm_task = validate("TaskSerializer", get_task(http, sb, vm))
    assert vm_task["state"] == "FINISHED"
    assert vm_task["created_resources"]["instances"] == ["abc"]
    clock.advance(2)
    assert get_task(http, sb, subnet)["error"] == "boom"
    bad = requests.post(sb.url + "/_sandbox/tasks", json={"tasks": [{"outcome": "MAYBE"}]})
    assert bad.status_code == 400 and "outcome" in bad.json()["error"]
    assert requests.get(sb.url + "/_sandbox/nothing").status_code == 404


# ----------------------------------------------------------------------------- performance

def test_performance_1000_tasks(sb, http, validate):
    sb.add_tasks([{"project_id": i % 4, "created_offset": -i * 0.01} for i in range(3000)])
    http.get(sb.url + "/cloud/v1/tasks", params={"limit": 1})  # warm the connection
    best = 10.0
    for _unused in range(3):
        start = time.perf_counter()
        r = http.get(sb.url + "/cloud/v1/tasks", params={"limit": 1000})
        best = min(best, time.perf_counter() - start)
    page = r.json()
    assert page["count"] == 3000 and len(page["results"]) == 1000
    assert best < 0.1, "limit=1000 page took %.3fs" % best
    start = time.perf_counter()
    for _unused in range(10):
        query = [("project_id", 1), ("state", "RUNNING"), ("state", "FINISHED"), ("limit", 10)]
        r = http.get(sb.url + "/cloud/v1/tasks", params=query)
        assert r.json()["count"] == 750
    assert (time.perf_counter() - start) / 10 < 0.05
    validate("TaskCollectionSerializer", page)


# ----------------------------------------------------------------------------- CLI

def test_cli_mode(tmp_path):
    port_file = tmp_path / "sandbox.url"
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "gcore_sandbox.py"), "--port", "0", "--api-key", "cli-key",
         "--port-file", str(port_file), "--volume-duration", "0.2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline().strip()
        assert line.startswith("SANDBOX_URL=http://127.0.0.1:")
        url = line.split("=", 1)[1]
        assert port_file.read_text().strip() == url
        assert requests.get(url + "/_sandbox/health", timeout=2).json() == {"ok": True}
        r = requests.get(url + "/cloud/v1/tasks", headers={"Authorization": "apikey cli-key"}, timeout=2)
        assert r.status_code == 200 and r.json() == {"count": 0, "results": []}
        start = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=5) == 0
        assert time.monotonic() - start < 5
        assert proc.stderr.read() == ""
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()


def test_python_context_manager_stops_cleanly():
    with Sandbox() as sb:
        url = sb.url
        assert requests.get(url + "/_sandbox/health").status_code == 200
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(url + "/_sandbox/health", timeout=1)


def test_keep_alive_session_reuses_one_connection(sb, http):
    for _unused in range(20):
        r = http.get(sb.url + "/cloud/v1/tasks")
        assert r.status_code == 200 and int(r.headers["Content-Length"]) == len(r.content)
        assert r.headers.get("Connection", "").lower() != "close"
    assert http.post(sb.url + "/cloud/v1/tasks/acknowledge_all").status_code == 204
    assert http.get(sb.url + "/cloud/v1/tasks/nope").status_code == 404
    assert http.post(sb.url + "/cloud/v1/tasks/acknowledge", json={"task_ids": []}).status_code == 204
    assert http.get(sb.url + "/cloud/v1/tasks").status_code == 200
    clients = {e["client"] for e in sb.requests()}
    assert len(clients) == 1, clients


def test_concurrent_clients(sb, validate):
    ids = sb.add_tasks([{"duration": 0.5} for _unused in range(50)])
    errors = []

    def worker(n):
        try:
            with requests.Session() as s:
                s.headers.update(AUTH)
                for i in range(25):
                    tid = ids[(n * 25 + i) % len(ids)]
                    assert s.get(sb.url + "/cloud/v1/tasks/" + tid).status_code == 200
                    if i % 5 == 0:
                        assert s.post(sb.url + "/cloud/v1/tasks/%s/acknowledge" % tid).status_code == 200
                    page = s.get(sb.url + "/cloud/v1/tasks", params={"limit": 50}).json()
                    assert page["count"] == 50
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:3]
    assert sb.counters()["total"] == 8 * (25 * 2 + 5)
    validate("TaskCollectionSerializer", requests.get(sb.url + "/cloud/v1/tasks", headers=AUTH).json())


# ------------------------------------------------------------- other write calls and switches

WRITE_CALLS = [
    ("/cloud/v2/instances/1/2", "/cloud/v1/instances/1/2/", "create_vm", "delete_vm", "instances",
     {"name": "vm-1", "flavor": "g1", "volumes": [{"source": "image"}, {"source": "new-volume"}],
      "interfaces": [{"type": "external"}]}, {"volumes": 2, "ports": 1}, 2.0),
    ("/cloud/v1/networks/1/2", "/cloud/v1/networks/1/2/", "create_network", "delete_network", "networks",
     {"name": "net-1"}, {}, 1.0),
    ("/cloud/v1/subnets/1/2", "/cloud/v1/subnets/1/2/", "create_subnet", "delete_subnet", "subnets",
     {"name": "sub-1", "cidr": "10.0.0.0/24", "network_id": "n"}, {}, 1.0),
    ("/cloud/v1/floatingips/1/2", "/cloud/v1/floatingips/1/2/", "create_fip", "delete_fip", "floatingips",
     {}, {}, 1.0),
    ("/cloud/v1/loadbalancers/1/2", "/cloud/v1/loadbalancers/1/2/", "create_loadbalancer", "delete_loadbalancer",
     "loadbalancers", {"name": "lb-1", "listeners": [{"name": "l", "pools": [{"name": "p"}]}]},
     {"listeners": 1, "pools": 1}, 3.0),
    ("/cloud/v2/k8s/clusters/1/2", "/cloud/v2/k8s/clusters/1/2/", "create_k8s_cluster_v2", "delete_k8s_cluster_v2",
     "k8s_clusters", {"name": "k8s-1", "pools": [{"name": "p1"}, {"name": "p2"}]}, {"k8s_pools": 2}, 4.0),
]


@pytest.mark.parametrize("create, item, create_type, delete_type, key, body, extra, factor", WRITE_CALLS,
                         ids=[call[4] for call in WRITE_CALLS])
def test_common_write_calls_answer_tasks_of_their_type_duration_and_created_resources(
        sb, http, clock, validate, create, item, create_type, delete_type, key, body, extra, factor):
    r = http.post(sb.url + create, json=body)
    (tid,) = validate("TaskIDsSerializer", r.json())["tasks"]
    task = validate("TaskSerializer", get_task(http, sb, tid))
    assert (task["task_type"], task["state"], task["data"]) == (create_type, "NEW", body)
    clock.advance(0.5 * factor - 0.05)
    assert get_task(http, sb, tid)["state"] == "RUNNING"
    clock.advance(0.1)
    task = validate("TaskSerializer", get_task(http, sb, tid))
    assert task["state"] == "FINISHED" and len(task["created_resources"][key]) == 1
    for other, count in extra.items():
        assert len(task["created_resources"][other]) == count, other
    ref = body["name"] if key == "k8s_clusters" else task["created_resources"][key][0]
    assert http.get(sb.url + item + ref).json()["id"] == task["created_resources"][key][0]
    (dtid,) = validate("TaskIDsSerializer", http.delete(sb.url + item + ref).json())["tasks"]
    assert get_task(http, sb, dtid)["task_type"] == delete_type
    clock.advance(0.5 * factor + 0.2)
    assert_error(http.get(sb.url + item + ref), 404)
    assert sb.counters()["writes"] == 2


@pytest.mark.parametrize("path", ["/cloud/v1/volumes/1/2", "/cloud/v1/networks/1/2"])
def test_reject_switches_refuse_with_invalid_fields_and_create_nothing(sb, http, path):
    body = {"source": "new-volume", "size": 1}
    assert_error(http.post(sb.url + path, json=dict(body, name="reject-me")), 422, "ValidationError")
    r = http.post(sb.url + path, json=dict(body, name="badrequest-me"))
    assert_error(r, 400, "BadRequest")
    assert "name" in r.json()["invalid_fields"]
    assert list_tasks(http, sb)["count"] == 0
    assert sb.counters()["writes"] == 2


@pytest.mark.parametrize("path", ["/cloud/v1/volumes/1/2", "/cloud/v2/instances/1/2"])
def test_gateway_switch_answers_502_html_after_the_work_was_accepted(sb, http, path):
    r = http.post(sb.url + path, json={"source": "new-volume", "size": 1, "name": "gateway-me"})
    assert r.status_code == 502 and r.headers["Content-Type"].startswith("text/html")
    assert "Bad Gateway" in r.text
    assert list_tasks(http, sb)["count"] == 1


# ----------------------------------------------------------------------------- read-side switches

def test_fields_render_odd_values_as_given_and_miss_timestamp_filters(sb, http):
    plain = sb.add_task(duration=None)
    odd = sb.add_task(duration=None, fields={"created_on": None, "task_type": 7, "error": u"bad \ud800 text"})
    task = get_task(http, sb, odd)
    assert task["created_on"] is None and task["task_type"] == 7 and task["error"] == u"bad \ud800 text"
    assert '"bad \\ud800 text"' in http.get(sb.url + "/cloud/v1/tasks/" + odd).text
    window = list_tasks(http, sb, {"from_timestamp": "2000-01-01T00:00:00Z", "to_timestamp": "2100-01-01T00:00:00Z",
                                   "limit": 10})
    assert [t["id"] for t in window["results"]] == [plain]
    assert {t["id"] for t in list_tasks(http, sb, {"limit": 10})["results"]} == {plain, odd}
    with pytest.raises(ValueError):
        sb.add_task(fields={"id": "x"})
    with pytest.raises(ValueError):
        sb.add_task(fields=["created_on"])


def test_repeat_seeds_a_crowd_of_tasks_in_one_control_call(sb, http):
    r = requests.post(sb.url + "/_sandbox/tasks", json={"tasks": [{"duration": 0}, {"duration": None}], "repeat": 1500})
    assert r.status_code == 200 and len(r.json()["tasks"]) == 3000
    assert list_tasks(http, sb, {"limit": 1})["count"] == 3000
    bad = requests.post(sb.url + "/_sandbox/tasks", json={"tasks": [{}], "repeat": 0})
    assert bad.status_code == 400 and "repeat" in bad.json()["error"]


# ----------------------------------------------------------------------------- the resource model

P = "/1/2"


def post(http, sb, path, body, status=200):
    r = http.post(sb.url + path + P, json=body)
    assert r.status_code == status, r.text
    return r.json()["tasks"][0] if status == 200 else r.json()


def created(http, sb, tid, key):
    task = get_task(http, sb, tid)
    assert task["state"] == "FINISHED", task
    return task["created_resources"][key]


def listing(http, sb, path, params=None, status=200):
    r = http.get(sb.url + path + P, params=params)
    assert r.status_code == status, r.text
    return r.json()


def by_id(http, sb, path, ref, status=200):
    r = http.get(sb.url + path + P + "/" + ref)
    assert r.status_code == status, r.text
    return r.json()


LIST_PATHS = {
    "volumes": "/cloud/v1/volumes", "instances": "/cloud/v1/instances", "networks": "/cloud/v1/networks",
    "subnets": "/cloud/v1/subnets", "floatingips": "/cloud/v1/floatingips",
    "loadbalancers": "/cloud/v1/loadbalancers", "k8s_clusters": "/cloud/v2/k8s/clusters",
    "routers": "/cloud/v1/routers",
}
CREATE_PATHS = dict(LIST_PATHS, instances="/cloud/v2/instances")
KIND_STATUSES = {  # creating, final, deleting
    "volumes": ("creating", "available", "deleting"), "instances": ("BUILD", "ACTIVE", "DELETING"),
    "networks": ("BUILD", "ACTIVE", "DELETING"), "subnets": ("BUILD", "ACTIVE", "DELETING"),
    "floatingips": ("BUILD", "DOWN", "DELETING"), "loadbalancers": ("PENDING_CREATE", "ACTIVE", "PENDING_DELETE"),
    "k8s_clusters": ("Provisioning", "Provisioned", "Deleting"), "routers": ("BUILD", "ACTIVE", "DELETING"),
}
FACTORS = {"instances": 2.0, "loadbalancers": 3.0, "k8s_clusters": 4.0}


def body_of(kind, name):
    if kind == "volumes":
        return {"source": "new-volume", "name": name, "size": 1, "tags": {"env": "ci"}}
    if kind == "floatingips":
        return {"tags": {"env": "ci"}}
    if kind == "subnets":
        return {"name": name, "cidr": "10.1.0.0/24", "network_id": "net-x", "tags": {"env": "ci"}}
    return {"name": name, "tags": {"env": "ci"}}


@pytest.mark.parametrize("kind", list(LIST_PATHS))
def test_every_kind_is_listed_from_the_create_call_on_with_statuses_through_its_tasks(sb, http, clock, kind):
    creating, final, deleting = KIND_STATUSES[kind]
    factor = FACTORS.get(kind, 1.0)
    tid = post(http, sb, CREATE_PATHS[kind], body_of(kind, "res-a"))
    page = listing(http, sb, LIST_PATHS[kind])
    assert page["count"] == 1
    (item,) = page["results"]
    assert (item["status"], item["task_id"], item["creator_task_id"]) == (creating, tid, tid)
    assert item["tags"] == [{"key": "env", "value": "ci", "read_only": False}]
    assert (item["project_id"], item["region_id"]) == (1, 2) and item["created_at"]
    assert ("name" in item) == (kind != "floatingips")
    clock.advance(0.5 * factor + 0.1)
    (res_id,) = created(http, sb, tid, kind)
    assert item["id"] == res_id
    ref = "res-a" if kind == "k8s_clusters" else res_id
    done = by_id(http, sb, LIST_PATHS[kind], ref)
    assert (done["id"], done["status"], done["task_id"], done["creator_task_id"]) == (res_id, final, None, tid)
    r = http.delete(sb.url + LIST_PATHS[kind] + P + "/" + ref)
    assert r.status_code == 200, r.text
    (dtid,) = r.json()["tasks"]
    going = by_id(http, sb, LIST_PATHS[kind], ref)
    assert (going["status"], going["task_id"]) == (deleting, dtid)
    assert_error(http.delete(sb.url + LIST_PATHS[kind] + P + "/" + ref), 409)
    assert listing(http, sb, LIST_PATHS[kind])["count"] == 1
    clock.advance(0.5 * factor + 0.1)
    assert get_task(http, sb, dtid)["state"] == "FINISHED"
    assert_error(http.get(sb.url + LIST_PATHS[kind] + P + "/" + ref), 404)
    assert_error(http.delete(sb.url + LIST_PATHS[kind] + P + "/" + ref), 404)
    assert listing(http, sb, LIST_PATHS[kind]) == {"count": 0, "results": []}


@pytest.mark.parametrize("kind", ["volumes", "instances", "networks", "loadbalancers", "k8s_clusters", "routers"])
def test_a_failed_create_leaves_the_resource_in_an_error_status(sb, http, clock, kind):
    tid = post(http, sb, CREATE_PATHS[kind], body_of(kind, "fail-quota"))
    clock.advance(0.5 * FACTORS.get(kind, 1.0) + 0.1)
    assert get_task(http, sb, tid)["state"] == "ERROR"
    (item,) = listing(http, sb, LIST_PATHS[kind])["results"]
    assert item["status"] == {"volumes": "error", "k8s_clusters": "Failed"}.get(kind, "ERROR")
    assert (item["task_id"], item["creator_task_id"], item["name"]) == (None, tid, "fail-quota")


def test_lists_page_with_limit_and_offset_and_count_every_match(sb, http, clock):
    for n in range(7):
        post(http, sb, "/cloud/v1/networks", {"name": "net-%d" % n})
    seen = []
    offset = 0
    while True:
        page = listing(http, sb, "/cloud/v1/networks", {"limit": 3, "offset": offset})
        assert page["count"] == 7
        if not page["results"]:
            break
        seen += [item["name"] for item in page["results"]]
        offset += len(page["results"])
    assert seen == ["net-%d" % n for n in range(7)]
    assert_error(http.get(sb.url + "/cloud/v1/networks" + P, params={"limit": 0}), 422)
    assert_error(http.get(sb.url + "/cloud/v1/networks" + P, params={"limit": 1001}), 422)
    assert listing(http, sb, "/cloud/v1/networks")["count"] == 7  # default limit 1000
    assert by_id(http, sb, "/cloud/v1/networks", "x", status=404)["exception_class"] == "NetworkNotFound"
    assert http.get(sb.url + "/cloud/v1/networks/1/3").json()["count"] == 0  # another region


def names(page):
    return sorted(item["name"] for item in page["results"])


def test_list_filters_by_name_tags_network_and_instance(sb, http, clock):
    post(http, sb, "/cloud/v2/instances", {"name": "web-01", "tags": {"env": "prod", "team": "a"}})
    post(http, sb, "/cloud/v2/instances", {"name": "WEB-02", "tags": {"env": "dev"}})
    post(http, sb, "/cloud/v2/instances", {"name": "db-01"})
    assert names(listing(http, sb, "/cloud/v1/instances", {"name": "web"})) == ["WEB-02", "web-01"]
    assert names(listing(http, sb, "/cloud/v1/instances", {"tag_key_value": '{"env": "prod"}'})) == ["web-01"]
    assert names(listing(http, sb, "/cloud/v1/instances",
                         {"tag_key_value": '{"env": "prod", "team": "b"}'})) == []
    assert_error(http.get(sb.url + "/cloud/v1/instances" + P, params={"tag_key_value": "[1]"}), 422)
    for name in ("net", "net-2", "net"):
        post(http, sb, "/cloud/v1/networks", {"name": name})
    assert listing(http, sb, "/cloud/v1/networks", {"name": "net"})["count"] == 2  # exact
    post(http, sb, "/cloud/v1/volumes", {"source": "new-volume", "name": "data-web", "size": 1})
    post(http, sb, "/cloud/v1/volumes", {"source": "new-volume", "name": "logs", "size": 1})
    vols = listing(http, sb, "/cloud/v1/volumes", {"name_part": "web"})
    assert [v["name"] for v in vols["results"] if not v["name"].endswith("-volume-0")] == ["data-web"]
    clock.advance(2)
    net = post(http, sb, "/cloud/v1/networks", {"name": "n2"})
    clock.advance(1)
    (net_id,) = created(http, sb, net, "networks")
    post(http, sb, "/cloud/v1/subnets", {"name": "s1", "cidr": "10.0.0.0/24", "network_id": net_id})
    post(http, sb, "/cloud/v1/subnets", {"name": "s2", "cidr": "10.0.1.0/24", "network_id": "other"})
    assert names(listing(http, sb, "/cloud/v1/subnets", {"network_id": net_id})) == ["s1"]
    for name in ("r1", "r2"):
        post(http, sb, "/cloud/v1/routers", {"name": name})
    assert names(listing(http, sb, "/cloud/v1/routers", {"name": "r2"})) == ["r2"]
    web = [i for i in listing(http, sb, "/cloud/v1/instances")["results"] if i["name"] == "web-01"][0]
    attached = listing(http, sb, "/cloud/v1/volumes", {"instance_id": web["id"]})
    assert [v["name"] for v in attached["results"]] == ["web-01-volume-0"]


def stack(http, sb, clock):
    """network + subnet + instance on it (boot volume kept, data volume deleted with it) + fip + LB + router."""
    net = created(http, sb, (post(http, sb, "/cloud/v1/networks", {"name": "net"}), clock.advance(1))[0],
                  "networks")[0]
    sub = created(http, sb, (post(http, sb, "/cloud/v1/subnets",
                                  {"name": "sub", "cidr": "10.0.0.0/24", "network_id": net}),
                             clock.advance(1))[0], "subnets")[0]
    vm_task = post(http, sb, "/cloud/v2/instances", {
        "name": "vm", "flavor": "g1", "interfaces": [{"type": "subnet", "subnet_id": sub, "network_id": net}],
        "volumes": [{"source": "image", "size": 10, "boot_index": 0, "delete_on_termination": False},
                    {"source": "new-volume", "size": 1, "name": "scratch", "delete_on_termination": True}]})
    clock.advance(2)
    vm_task_doc = get_task(http, sb, vm_task)
    vm = vm_task_doc["created_resources"]["instances"][0]
    boot, scratch = vm_task_doc["created_resources"]["volumes"]
    (port,) = vm_task_doc["created_resources"]["ports"]
    fip = created(http, sb, (post(http, sb, "/cloud/v1/floatingips", {"port_id": port}), clock.advance(1))[0],
                  "floatingips")[0]
    lb = created(http, sb, (post(http, sb, "/cloud/v1/loadbalancers", {"name": "lb", "vip_network_id": net}),
                            clock.advance(2))[0], "loadbalancers")[0]
    router = created(http, sb, (post(http, sb, "/cloud/v1/routers", {
        "name": "rt", "interfaces": [{"type": "subnet", "subnet_id": sub}]}), clock.advance(1))[0], "routers")[0]
    return dict(net=net, sub=sub, vm=vm, boot=boot, scratch=scratch, port=port, fip=fip, lb=lb, router=router)


def delete(http, sb, path, ref, params=None, status=200):
    r = http.delete(sb.url + path + P + "/" + ref, params=params)
    assert r.status_code == status, r.text
    return r.json()


def test_dependencies_refuse_deletes_out_of_order_with_gcore_error_bodies(sb, http, clock):
    s = stack(http, sb, clock)
    vol = by_id(http, sb, "/cloud/v1/volumes", s["boot"])
    assert vol["status"] == "in-use" and vol["attachments"][0]["server_id"] == s["vm"]
    assert by_id(http, sb, "/cloud/v1/floatingips", s["fip"])["status"] == "ACTIVE"
    assert by_id(http, sb, "/cloud/v1/subnets", s["sub"])["has_router"] is True
    assert by_id(http, sb, "/cloud/v1/networks", s["net"])["subnets"] == [s["sub"]]
    lbdoc = by_id(http, sb, "/cloud/v1/loadbalancers", s["lb"])
    assert lbdoc["vip_subnet_id"] == s["sub"]
    err = delete(http, sb, "/cloud/v1/networks", s["net"], status=409)
    assert err["exception_class"] == "NetworkInUse" and s["sub"] in err["message"]
    assert set(err) >= {"exception_class", "message", "request_id"}
    err = delete(http, sb, "/cloud/v1/subnets", s["sub"], status=409)
    assert err["exception_class"] == "SubnetInUse"
    assert s["vm"] in err["message"] and s["lb"] in err["message"] and s["router"] in err["message"]
    assert delete(http, sb, "/cloud/v1/volumes", s["boot"], status=409)["exception_class"] == "VolumeInvalidState"
    assert sb.counters()["write_routes"]["DELETE /cloud/v1/volumes/{project_id}/{region_id}/{volume_id}"] == 1
    assert list_tasks(http, sb, {"task_type": "delete_network"})["count"] == 0


def test_an_ordered_teardown_succeeds_and_cascades_go_with_the_instance(sb, http, clock):
    s = stack(http, sb, clock)
    delete(http, sb, "/cloud/v1/loadbalancers", s["lb"])
    delete(http, sb, "/cloud/v1/instances", s["vm"], params={"delete_floatings": "true"})
    assert by_id(http, sb, "/cloud/v1/floatingips", s["fip"])["status"] == "DELETING"
    assert by_id(http, sb, "/cloud/v1/volumes", s["scratch"])["status"] == "deleting"
    assert by_id(http, sb, "/cloud/v1/volumes", s["boot"])["status"] == "in-use"
    # the instance's ports are still being released: the subnet is in use until its task ends
    delete(http, sb, "/cloud/v1/routers", s["router"])
    assert delete(http, sb, "/cloud/v1/subnets", s["sub"], status=409)["exception_class"] == "SubnetInUse"
    clock.advance(1.7)  # the load balancer's delete (3 x 0.5 s) and the instance's (2 x) have ended
    assert by_id(http, sb, "/cloud/v1/floatingips", s["fip"], status=404)
    assert by_id(http, sb, "/cloud/v1/volumes", s["scratch"], status=404)["exception_class"] == "VolumeNotFound"
    boot = by_id(http, sb, "/cloud/v1/volumes", s["boot"])
    assert (boot["status"], boot["attachments"]) == ("available", [])
    delete(http, sb, "/cloud/v1/volumes", s["boot"])
    delete(http, sb, "/cloud/v1/subnets", s["sub"])
    assert delete(http, sb, "/cloud/v1/networks", s["net"], status=409)["exception_class"] == "NetworkInUse"
    clock.advance(1)
    delete(http, sb, "/cloud/v1/networks", s["net"])
    clock.advance(1)
    assert [r["kind"] for r in sb.resources()] == []
    assert len(sb.resources(include_gone=True)) == 8


def test_instance_delete_with_volumes_query_takes_kept_volumes_too_and_fip_stays_without_delete_floatings(
        sb, http, clock):
    s = stack(http, sb, clock)
    delete(http, sb, "/cloud/v1/instances", s["vm"], params={"volumes": s["boot"]})
    clock.advance(1.1)
    by_id(http, sb, "/cloud/v1/volumes", s["boot"], status=404)
    fip = by_id(http, sb, "/cloud/v1/floatingips", s["fip"])
    assert (fip["status"], fip["port_id"], fip["instance"]) == ("DOWN", None, None)
    task = list_tasks(http, sb, {"task_type": "delete_vm"})["results"][0]
    assert task["data"]["volumes"] == [s["boot"]] and task["data"]["delete_floatings"] is False


def test_k8s_clusters_are_reachable_by_name_only_and_a_used_name_answers_409(sb, http, clock):
    tid = post(http, sb, "/cloud/v2/k8s/clusters", {"name": "k1", "pools": [{"name": "p"}]})
    err = post(http, sb, "/cloud/v2/k8s/clusters", {"name": "k1"}, status=409)
    assert err["exception_class"] == "ClusterAlreadyExists" and err["request_id"]
    assert http.post(sb.url + "/cloud/v2/k8s/clusters/1/3", json={"name": "k1"}).status_code == 200  # other region
    clock.advance(2.1)
    (cid,) = created(http, sb, tid, "k8s_clusters")
    assert by_id(http, sb, "/cloud/v2/k8s/clusters", "k1")["id"] == cid
    by_id(http, sb, "/cloud/v2/k8s/clusters", cid, status=404)
    delete(http, sb, "/cloud/v2/k8s/clusters", cid, status=404)
    assert listing(http, sb, "/cloud/v2/k8s/clusters")["results"][0]["pools"][0]["name"] == "p"
    delete(http, sb, "/cloud/v2/k8s/clusters", "k1")
    post(http, sb, "/cloud/v2/k8s/clusters", {"name": "k1"}, status=409)  # still there while deleting
    clock.advance(2.1)
    post(http, sb, "/cloud/v2/k8s/clusters", {"name": "k1"})


def test_rate_limit_refuses_with_retry_after_and_a_refused_write_is_not_processed(sb, http, clock):
    sb.configure(rate_limit=3)
    body = {"source": "new-volume", "name": "vol", "size": 1}
    answers = [http.post(sb.url + "/cloud/v1/volumes" + P, json=body) for _unused in range(5)]
    assert [r.status_code for r in answers] == [200, 200, 200, 429, 429]
    refused = answers[3]
    assert refused.headers["Retry-After"] == "1" and refused.json()["exception_class"] == "Throttled"
    assert sb.task_ids() and len(sb.task_ids()) == 3 and len(sb.resources("volumes")) == 3
    assert http.get(sb.url + "/cloud/v1/tasks").status_code == 429  # reads count too
    counts = sb.counters()
    assert (counts["served"], counts["throttled"], counts["throttled_writes"]) == (3, 3, 2)
    assert counts["write_routes"] == {"POST /cloud/v1/volumes/{project_id}/{region_id}": 5}
    clock.advance(1.01)
    assert http.get(sb.url + "/cloud/v1/tasks").status_code == 200
    sb.configure(rate_limit=0)
    assert all(http.get(sb.url + "/cloud/v1/tasks").status_code == 200 for _unused in range(5))
    r = requests.post(sb.url + "/_sandbox/config", json={"rate_limit": 1, "rate_limit_retry_after": 7})
    assert r.json()["rate_limit"] == 1
    http.get(sb.url + "/cloud/v1/tasks")
    assert http.get(sb.url + "/cloud/v1/tasks").headers["Retry-After"] == "7"
    statuses = [entry["status"] for entry in sb.timeline()]
    assert statuses.count(429) == 4 and [e["throttled"] for e in sb.requests()].count(True) == 4


def test_upper_case_task_ids_switch_and_case_insensitive_lookups(sb, http, clock):
    before = sb.add_task()
    requests.post(sb.url + "/_sandbox/config", json={"upper_task_ids": True})
    tid = post(http, sb, "/cloud/v1/volumes", {"source": "new-volume", "name": "vol", "size": 1})
    assert tid == tid.upper() and before == before.lower()
    assert get_task(http, sb, tid)["id"] == tid
    assert get_task(http, sb, tid.lower())["id"] == tid
    assert listing(http, sb, "/cloud/v1/volumes")["results"][0]["task_id"] == tid
    assert http.post(sb.url + "/cloud/v1/tasks/%s/acknowledge" % tid.lower()).json()["acknowledged_by"] == 1001
    assert sb.task(tid.lower())["id"] == tid


def test_api_clock_offset_shifts_timestamps_date_header_and_timestamp_filters(sb, http, clock):
    sb.configure(clock_offset=-1200)
    tid = sb.add_task(duration=None)
    r = http.get(sb.url + "/cloud/v1/tasks/" + tid)
    created_on = r.json()["created_on"]
    from gcore_sandbox import parse_ts
    assert abs(parse_ts(created_on) / 1e6 - (clock() - 1200)) < 0.01
    import email.utils
    assert abs(email.utils.parsedate_to_datetime(r.headers["Date"]).timestamp() - (clock() - 1200)) < 2
    around = {"from_timestamp": created_on, "to_timestamp": created_on}
    assert [t["id"] for t in list_tasks(http, sb, around)["results"]] == [tid]
    assert sb.task(tid)["created_on"] == created_on
    sb.configure(clock_offset=0)
    assert abs(parse_ts(get_task(http, sb, tid)["created_on"]) / 1e6 - clock()) < 0.01


def test_crowd_seeds_a_thousand_active_tasks_fast_and_timeline_bounds(sb, http, clock):
    started = time.monotonic()
    ids = sb.crowd(1000, task_type="create_volume", project_id=1, region_id=2)
    assert len(ids) == 1000 and time.monotonic() - started < 2  # the seeding itself, not the API
    assert http.get(sb.url + "/cloud/v1/tasks/1/2/active", params={"limit": 1}).json()["count"] == 1000
    r = requests.post(sb.url + "/_sandbox/crowd", json={"count": 5, "state": "FINISHED", "region_id": 2})
    assert len(r.json()["tasks"]) == 5
    assert http.get(sb.url + "/cloud/v1/tasks/1/2/active", params={"limit": 1}).json()["count"] == 1000
    t0 = clock()
    http.get(sb.url + "/cloud/v1/tasks")
    clock.advance(5)
    http.delete(sb.url + "/cloud/v1/volumes" + P + "/nope")
    assert [e["method"] for e in sb.timeline(since=t0 + 1)] == ["DELETE"]
    assert sb.last_request_at() == clock()
    tl = requests.get(sb.url + "/_sandbox/timeline", params={"until": t0 + 1}).json()["requests"]
    assert [(e["route"], e["status"], e["write"]) for e in tl] == [
        ("GET /cloud/v1/tasks/{project_id}/{region_id}/active", 200, False)] * 2 + [
        ("GET /cloud/v1/tasks", 200, False)]
    res = requests.get(sb.url + "/_sandbox/resources", params={"kind": "volumes"}).json()
    assert res == {"resources": []}


def test_rate_limit_holds_across_concurrent_clients_and_every_served_write_made_one_task():
    with Sandbox(api_key=KEY, volume_duration=0.3, volume_queue=0.05) as real:
        real.configure(rate_limit=10, rate_limit_retry_after=30)
        codes = []

        def one(n):
            r = requests.post(real.url + "/cloud/v1/volumes/1/2", headers=AUTH,
                              json={"source": "new-volume", "name": "vol-%02d" % n, "size": 1})
            codes.append(r.status_code)

        threads = [threading.Thread(target=one, args=(n,)) for n in range(30)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        served = codes.count(200)
        assert served + codes.count(429) == 30 and 10 <= served < 30  # a slow machine may cross a second
        assert len(real.task_ids()) == served == len(real.resources("volumes"))
        counts = real.counters()
        assert (counts["served"], counts["throttled_writes"]) == (served, 30 - served)


def test_a_fault_after_n_requests_revokes_the_key_midway(sb, http):
    sb.add_fault(route="*", status=401, times=None, after=3)
    codes = [http.get(sb.url + "/cloud/v1/tasks").status_code for _unused in range(5)]
    assert codes == [200, 200, 200, 401, 401]
    assert http.get(sb.url + "/cloud/v1/tasks").json()["exception_class"] == "NotAuthenticated"
    assert sb.faults()[0]["after"] == 0


@pytest.mark.parametrize("listed_from, shown_in", [("accepted", ("NEW", "RUNNING", "FINISHED")),
                                                   ("running", ("RUNNING", "FINISHED")),
                                                   ("finished", ("FINISHED",))])
def test_listed_from_says_when_a_new_volume_shows_in_its_list_and_get(sb, http, clock, listed_from, shown_in):
    sb.configure(listed_from=listed_from)
    r = http.post(sb.url + "/cloud/v1/volumes/1/1", json={"source": "new-volume", "name": "late", "size": 1})
    (tid,) = r.json()["tasks"]
    seen = []
    for step in (0.0, 0.2, 0.5):  # NEW, then RUNNING (queue 0.1 s), then FINISHED (0.5 s more)
        clock.advance(step)
        state = get_task(http, sb, tid)["state"]
        listing = http.get(sb.url + "/cloud/v1/volumes/1/1").json()
        if listing["count"]:
            seen.append(state)
            assert http.get(sb.url + "/cloud/v1/volumes/1/1/" + listing["results"][0]["id"]).status_code == 200
    assert tuple(seen) == shown_in
    assert get_task(http, sb, tid)["state"] == "FINISHED"
    (vol_id,) = get_task(http, sb, tid)["created_resources"]["volumes"]
    assert http.get(sb.url + "/cloud/v1/volumes/1/1/" + vol_id).status_code == 200


def test_listed_from_refuses_other_values(sb):
    with pytest.raises(ValueError):
        sb.configure(listed_from="later")


def test_network_router_gives_each_new_network_a_router_its_task_does_not_name(sb, http, clock):
    sb.configure(network_router=True)
    net_task = post(http, sb, "/cloud/v1/networks", {"name": "net"})
    plain_task = post(http, sb, "/cloud/v1/networks", {"name": "plain", "create_router": False})
    clock.advance(1)
    assert get_task(http, sb, net_task)["created_resources"]["routers"] == []
    (net_id,) = created(http, sb, net_task, "networks")
    (router,) = listing(http, sb, "/cloud/v1/routers")["results"]
    assert (router["creator_task_id"], router["name"]) == (net_task, "net-router")
    assert router["external_gateway_info"]["network_id"] == net_id
    sub_task = post(http, sb, "/cloud/v1/subnets", {"name": "sub", "network_id": net_id, "cidr": "10.0.0.0/24"})
    clock.advance(1)
    (sub_id,) = created(http, sb, sub_task, "subnets")
    (router,) = listing(http, sb, "/cloud/v1/routers")["results"]
    assert [item["subnet_id"] for item in router["interfaces"]] == [sub_id]
    assert_error(http.delete(sb.url + "/cloud/v1/subnets" + P + "/" + sub_id), 409)
    assert_error(http.delete(sb.url + "/cloud/v1/networks" + P + "/" + net_id), 409)
    assert http.delete(sb.url + "/cloud/v1/routers" + P + "/" + router["id"]).status_code == 200
    clock.advance(1)
    assert http.delete(sb.url + "/cloud/v1/subnets" + P + "/" + sub_id).status_code == 200
    clock.advance(1)
    assert http.delete(sb.url + "/cloud/v1/networks" + P + "/" + net_id).status_code == 200
    (plain_id,) = created(http, sb, plain_task, "networks")
    assert http.delete(sb.url + "/cloud/v1/networks" + P + "/" + plain_id).status_code == 200
