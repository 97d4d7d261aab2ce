# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""unique_by and missing_ok against the sandbox: a rerun sends no write, counted by the sandbox."""

import json
import time
import uuid

from gcore_e2e import base_args, run_module, start_module, finish_module

CREATE = "POST /cloud/v1/volumes/{project_id}/{region_id}"
LIST = "GET /cloud/v1/volumes/{project_id}/{region_id}"
ACTIVE = "GET /cloud/v1/tasks/{project_id}/{region_id}/active"
PATH = "/cloud/v1/volumes/{project_id}/{region_id}"


def volume_body(name, **fields):
    return dict(fields, source="new-volume", name=name, size=1)


def create(sandbox, collections_path, bodies, **args):
    args = base_args(sandbox, method="POST", path=PATH, project_id=1, region_id=76, bodies=bodies, **args)
    return run_module(collections_path, "gcore_request", args)


def freeze(sandbox):
    """Stop the sandbox's clock: tasks created or running now stay as they are until thaw()."""
    moment = time.time()
    sandbox.clock = lambda: moment


def thaw(sandbox, ahead=3600.0):
    """Move the sandbox's clock far ahead: every task of the test has ended."""
    sandbox.clock = lambda: time.time() + ahead


def wait_for_request(sandbox, predicate, timeout=60.0):
    """Block until the sandbox logged a request matching C(predicate) (the module reached that point)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(predicate(entry) for entry in sandbox.requests()):
            return
        time.sleep(0.05)
    raise AssertionError("no such request within %ss: %s" % (timeout, sandbox.requests()[-5:]))


def waiting(sandbox, timeout=60.0):
    """Block until the module reads tasks after its list read: the wait has begun (the active
    create tasks unique_by reads before the list do not count)."""
    def begun():
        paths = [entry["path"] for entry in sandbox.requests()]
        listed = [index for index, path in enumerate(paths) if path == "/cloud/v1/volumes/1/76"]
        return bool(listed) and any(path.startswith("/cloud/v1/tasks") for path in paths[listed[0] + 1:])
    wait_for_request(sandbox, lambda _entry: begun(), timeout)


def writes(sandbox):
    return sandbox.counters()["routes"].get(CREATE, 0)


def test_a_rerun_sends_no_write_and_returns_the_same_ids_in_body_order(sandbox, collections_path):
    bodies = [volume_body("web-data"), volume_body("db-data")]
    first = create(sandbox, collections_path, bodies, unique_by=["name"])
    assert first.rc == 0, first
    assert first.result["changed"] is True and writes(sandbox) == 2
    assert [entry["existing"] for entry in first.result["results"]] == [None, None]
    sandbox.reset_counters()

    again = create(sandbox, collections_path, bodies, unique_by=["name"])
    assert again.rc == 0, again
    assert writes(sandbox) == 0, "a rerun sent a write"
    assert sandbox.counters()["routes"] == {ACTIVE: 1, LIST: 1}, \
        "one read of the active creates and one list read serve every body"
    assert again.result["changed"] is False
    assert again.result["created_resources"]["volumes"] == first.result["created_resources"]["volumes"]
    assert [entry["existing"]["name"] for entry in again.result["results"]] == ["web-data", "db-data"]
    assert [entry["existing"]["status"] for entry in again.result["results"]] == ["available", "available"]
    assert [entry["sent"] for entry in again.result["results"]] == [False, False]
    assert again.result["scopes"] == dict((item, {"project_id": 1, "region_id": 76})
                                          for item in first.result["created_resources"]["volumes"])
    assert again.result["ansible_facts"]["gcore_created_resources"] == again.result["created_resources"]
    assert again.result["task_ids"] == [] and again.result["ansible_facts"]["gcore_task_ids"] == []


def test_a_rerun_with_a_new_body_creates_only_that_one_and_keeps_body_order(sandbox, collections_path):
    first = create(sandbox, collections_path, [volume_body("vol-b")], unique_by=["name"])
    assert first.rc == 0, first
    sandbox.reset_counters()
    again = create(sandbox, collections_path, [volume_body("vol-a"), volume_body("vol-b")], unique_by=["name"])
    assert again.rc == 0, again
    assert writes(sandbox) == 1 and again.result["changed"] is True
    created = again.result["created_resources"]["volumes"]
    assert len(created) == 2 and created[1] == first.result["created_resources"]["volumes"][0]
    assert [entry["sent"] for entry in again.result["results"]] == [True, False]


def test_the_name_is_compared_exactly_though_the_list_filters_by_substring(sandbox, collections_path):
    assert create(sandbox, collections_path, [volume_body("data-long")]).rc == 0
    sandbox.reset_counters()
    run = create(sandbox, collections_path, [volume_body("data")], unique_by=["name"])
    assert run.rc == 0, run
    assert writes(sandbox) == 1 and run.result["results"][0]["existing"] is None
    listed = [entry for entry in sandbox.requests() if entry["path"] == "/cloud/v1/volumes/1/76"
              and entry["method"] == "GET"]
    assert len(listed) == 1 and "name_part=data" in listed[0]["query"]


def test_several_matches_fail_before_any_write_naming_their_ids(sandbox, collections_path):
    twice = create(sandbox, collections_path, [volume_body("twin"), volume_body("twin")])
    assert twice.rc == 0, twice
    ids = twice.result["created_resources"]["volumes"]
    sandbox.reset_counters()
    run = create(sandbox, collections_path, [volume_body("other"), volume_body("twin")], unique_by=["name"])
    assert run.failed, run
    assert writes(sandbox) == 0, "a write was sent despite several matches"
    assert "bodies[1] (name=twin) matches 2 resources" in run.msg
    assert all(item in run.msg for item in ids)
    assert sorted(run.result["matched_ids"]) == sorted(ids)


def test_tags_pick_the_resource_whose_tags_hold_the_bodys(sandbox, collections_path):
    tagged = create(sandbox, collections_path, [volume_body("same", tags={"env": "prod", "app": "web"}),
                                                volume_body("same", tags={"env": "dev"})])
    assert tagged.rc == 0, tagged
    prod = tagged.result["created_resources"]["volumes"][0]
    sandbox.reset_counters()
    run = create(sandbox, collections_path, [volume_body("same", tags={"env": "prod"})], unique_by=["name", "tags"])
    assert run.rc == 0, run
    assert writes(sandbox) == 0 and run.result["created_resources"]["volumes"] == [prod]


def test_a_match_being_deleted_does_not_count(sandbox, collections_path):
    first = create(sandbox, collections_path, [volume_body("going")], unique_by=["name"])
    volume_id = first.result["created_resources"]["volumes"][0]
    freeze(sandbox)  # the delete task below stays running
    delete = run_module(collections_path, "gcore_request", base_args(
        sandbox, method="DELETE", path="/cloud/v1/volumes/1/76/%s" % volume_id, wait=False))
    assert delete.rc == 0, delete
    sandbox.reset_counters()
    run = create(sandbox, collections_path, [volume_body("going")], unique_by=["name"], wait=False)
    assert run.rc == 0, run
    assert writes(sandbox) == 1 and run.result["results"][0]["existing"] is None


def test_a_match_still_being_created_is_adopted_and_its_task_waited_for(sandbox, collections_path):
    freeze(sandbox)
    started = create(sandbox, collections_path, [volume_body("slow")], wait=False)
    assert started.rc == 0, started
    task_id = started.result["task_ids"][0]
    sandbox.reset_counters()
    handle = start_module(collections_path, "gcore_request", base_args(
        sandbox, method="POST", path=PATH, project_id=1, region_id=76, bodies=[volume_body("slow")],
        unique_by=["name"], wait_sleep=0.2))
    waiting(sandbox)
    thaw(sandbox)
    run = finish_module(handle)
    assert run.rc == 0, run
    assert writes(sandbox) == 0 and run.result["changed"] is False
    existing = run.result["results"][0]["existing"]
    assert existing["status"] == "creating" and existing["task_id"] == task_id
    assert run.result["task_ids"] == [task_id]
    assert [task["state"] for task in run.result["tasks"]] == ["FINISHED"]
    assert run.result["created_resources"]["volumes"] == [existing["id"]]


def test_no_kind_and_no_list_path_fails_before_any_request(sandbox, collections_path):
    run = run_module(collections_path, "gcore_request", base_args(
        sandbox, method="POST", path="/cloud/v1/secrets/1/76", body={"name": "x"}, unique_by=["name"]))
    assert run.failed and "give list_path" in run.msg, run
    assert sandbox.counters()["total"] == 0


def test_list_path_says_where_an_unknown_kind_is_listed(sandbox, collections_path):
    first = create(sandbox, collections_path, [volume_body("listed")])
    assert first.rc == 0, first
    sandbox.reset_counters()
    run = run_module(collections_path, "gcore_request", base_args(
        sandbox, method="POST", path="/cloud/v1/volumes/1/76", body=volume_body("listed"), unique_by=["name"],
        list_path="/cloud/v1/volumes/{project_id}/{region_id}", project_id=1, region_id=76))
    assert run.rc == 0, run
    assert writes(sandbox) == 0 and run.result["created_resources"] == first.result["created_resources"]


def test_missing_ok_makes_a_404_delete_ok_and_unchanged(sandbox, collections_path):
    gone = str(uuid.uuid4())
    args = base_args(sandbox, method="DELETE", path="/cloud/v1/volumes/1/76/%s" % gone)
    refused = run_module(collections_path, "gcore_request", args)
    assert refused.failed and "HTTP 404" in refused.msg, refused
    run = run_module(collections_path, "gcore_request", dict(args, missing_ok=True))
    assert run.rc == 0, run
    assert run.result["changed"] is False
    assert run.result["results"][0]["gone"] is True and run.result["task_ids"] == []


def test_missing_ok_on_another_method_fails_before_any_request(sandbox, collections_path):
    run = run_module(collections_path, "gcore_request", base_args(
        sandbox, method="POST", path="/cloud/v1/volumes/1/76", body=volume_body("x1"), missing_ok=True))
    assert run.failed and "missing_ok applies to DELETE" in run.msg, run
    assert sandbox.counters()["total"] == 0


def test_a_list_that_fails_fails_the_call_before_any_write(sandbox, collections_path):
    # Without the list the module cannot tell a duplicate from a new resource: it must not guess.
    sandbox.add_fault(LIST, status=403, body={"exception_class": "Forbidden", "message": "no list for you",
                                              "request_id": "req-list-403"}, times=None)
    run = create(sandbox, collections_path, [volume_body("web-data")], unique_by=["name"])
    assert run.failed and "no list for you" in run.msg and "req-list-403" in run.msg, run
    assert writes(sandbox) == 0
    assert sandbox.counters()["routes"].get(LIST) == 1


def test_task_lists_that_fail_leave_the_resource_list_to_decide_with_a_warning(sandbox, collections_path):
    first = create(sandbox, collections_path, [volume_body("kept")], unique_by=["name"])
    assert first.rc == 0, first
    sandbox.add_fault(route=ACTIVE, status=500, times=None)
    sandbox.add_fault(route="GET /cloud/v1/tasks", status=503, times=None)
    sandbox.reset_counters()
    run = create(sandbox, collections_path, [volume_body("kept"), volume_body("new")], unique_by=["name"],
                 api_retries=0, wait=False)
    assert run.rc == 0, run
    assert writes(sandbox) == 1, "the found volume is not created again; the other one is sent"
    assert run.result["results"][0]["existing"]["id"] == first.result["created_resources"]["volumes"][0]
    # ansible-core 2.19 returns a module's warnings as structured summaries: read their text
    (warning,) = [text for text in map(json.dumps, run.result.get("warnings", [])) if "unique_by" in text]
    assert "create_volume tasks not ended" in warning and "is not found" in warning
