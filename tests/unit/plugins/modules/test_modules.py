# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Module logic with a fake API client: option checks, result shapes, check mode."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import time

import pytest

from unittest import mock

from ansible_collections.gcore.tasks.plugins.module_utils import _module
from ansible_collections.gcore.tasks.plugins.module_utils._errors import ApiError
from ansible_collections.gcore.tasks.plugins.modules import gcore_task_ack, gcore_task_info, gcore_task_wait
from ansible_collections.gcore.tasks.tests.unit.plugins.fake_api import FakeApi
from ansible_collections.gcore.tasks.tests.unit.plugins.modules.module_runner import run_module

ID_A = "26986bc0-748a-4448-b836-0a2aa465eb06"
ID_B = "d478ae29-dedc-4869-82f0-96104425f565"
ID_C = "0b7e8a35-4f1c-4c55-9a51-6f3d1b2c9e10"


def task(task_id, state="FINISHED", created=None, error=None, acknowledged_at=None, data=None, project_id=None,
         region_id=None):
    return {"id": task_id, "task_type": "create_volume", "state": state, "user_id": 1, "project_id": project_id,
            "region_id": region_id, "created_on": "2026-05-23T05:07:31", "error": error, "data": data,
            "acknowledged_at": acknowledged_at,
            "created_resources": None if state == "ERROR" else {"volumes": created or [], "instances": []}}


class FakeClient(FakeApi):
    """The unit tests' tasks API (FakeApi) with the client's higher-level calls, each recorded in C(calls).

    It keeps the real clock: the module's wait sleeps for real, briefly.
    """

    clock = staticmethod(time.monotonic)

    def __init__(self, tasks=()):
        super(FakeClient, self).__init__(tasks)
        self.calls = []

    def get_task(self, task_id, deadline=None):
        self.calls.append(("get_task", task_id))
        return super(FakeClient, self).get_task(task_id, deadline)

    def list_page(self, path, params=None, limit=1000, offset=0, deadline=None):
        self.calls.append(("list_page", path, params))
        return super(FakeClient, self).list_page(path, params, limit, offset, deadline)

    def list_tasks(self, filters=None, limit=None):
        self.calls.append(("list_tasks", filters, limit))
        return [self.render(task_id) for task_id in self.tasks]

    def list_active_tasks(self, project_id, region_id, task_type=None, limit=None):
        self.calls.append(("list_active_tasks", project_id, region_id, task_type, limit))
        return [task for task in map(self.render, self.tasks) if task["state"] in ("NEW", "RUNNING")]

    def acknowledge_task(self, task_id):
        self.calls.append(("acknowledge_task", task_id))
        return dict(self.render(task_id), acknowledged_at="2026-05-23T06:00:00", acknowledged_by=1)

    def acknowledge_all(self, project_id=None, region_id=None):
        self.calls.append(("acknowledge_all", project_id, region_id))


@pytest.mark.parametrize("main, args, message", [
    (gcore_task_wait.main, {"task_ids": ["nope"]}, "must be UUIDs"),
    (gcore_task_wait.main, {"task_ids": []}, "task_ids is empty"),
    (gcore_task_wait.main, {"task_ids": [ID_A], "wait_timeout": 0}, "wait_timeout must be a positive"),
    (gcore_task_wait.main, {"task_ids": [ID_A], "wait_sleep": -1}, "wait_sleep must be a positive"),
    (gcore_task_wait.main, {"task_ids": [ID_A], "progress_interval": -1}, "progress_interval must be a number"),
    (gcore_task_wait.main, {"task_ids": [ID_A], "api_url": "api.gcore.com"}, "api_url must be an http"),
    (gcore_task_wait.main, {"task_ids": [ID_A], "api_timeout": 0}, "api_timeout must be a positive"),
    (gcore_task_info.main, {"from_timestamp": "last tuesday"}, "from_timestamp must be an ISO 8601"),
    (gcore_task_info.main, {"active": True, "project_id": [1, 2], "region_id": [3]}, "exactly one project_id"),
    (gcore_task_info.main, {"limit": 0}, "limit must be 1 or more"),
    (gcore_task_ack.main, {}, "give task_ids, or acknowledge_all=true"),
    (gcore_task_ack.main, {"task_ids": [ID_A], "acknowledge_all": True}, "mutually exclusive"),
    (gcore_task_wait.main, {"task_ids": [ID_A], "wait_sleep": "nan"}, "wait_sleep must be a finite number, got nan"),
    (gcore_task_wait.main, {"task_ids": [ID_A], "wait_timeout": "inf"}, "wait_timeout must be a finite number"),
    (gcore_task_wait.main, {"task_ids": [ID_A], "wait_timeout": float("-inf")}, "wait_timeout must be a finite"),
    (gcore_task_info.main, {"task_ids": [ID_A], "api_timeout": "NaN"}, "api_timeout must be a finite number"),
    (gcore_task_ack.main, {"task_ids": [ID_A], "api_timeout": float("inf")}, "api_timeout must be a finite number"),
])
def test_bad_options_fail_with_a_clear_message_before_any_client_exists(main, args, message):
    result, failed = run_module(main, args)
    assert failed and message in result["msg"]


def test_wait_returns_created_ids_of_every_task_and_sets_facts():
    client = FakeClient([task(ID_A, created=["v1"], project_id=1, region_id=76), task(ID_B, created=["v2", "v1"])])
    result, failed = run_module(gcore_task_wait.main, {"task_ids": [ID_B, ID_A, ID_B.upper()]}, client)
    assert not failed and result["changed"] is False
    assert result["created_resources"] == {"volumes": ["v2", "v1"]}
    assert result["created_resources_by_task"] == {ID_A: {"volumes": ["v1"]}, ID_B: {"volumes": ["v2", "v1"]}}
    assert [item["id"] for item in result["tasks"]] == [ID_B, ID_A]
    assert result["tasks"][1] == {"id": ID_A, "task_type": "create_volume", "state": "FINISHED", "project_id": 1,
                                  "region_id": 76}, "what a task created is in created_resources_by_task, once"
    assert result["ansible_facts"] == {"gcore_created_resources": result["created_resources"],
                                       "gcore_created_resources_by_task": result["created_resources_by_task"],
                                       "gcore_task_ids": [ID_B, ID_A]}


def test_wait_fails_on_an_error_task_and_keeps_the_other_tasks_ids():
    client = FakeClient([task(ID_A, created=["v1"]), task(ID_B, state="ERROR", error="Quota exceeded")])
    result, failed = run_module(gcore_task_wait.main, {"task_ids": [ID_A, ID_B]}, client)
    assert failed
    assert "1 of 2 task(s) failed" in result["msg"] and ID_B in result["msg"] and "Quota exceeded" in result["msg"]
    assert result["created_resources"] == {"volumes": ["v1"]}
    assert result["failed_tasks"] == [{"id": ID_B, "task_type": "create_volume", "state": "ERROR",
                                       "error": "Quota exceeded"}]
    assert "ansible_facts" not in result, "Ansible drops facts from a failed result; a rescue reads the result"


def test_wait_returns_compact_tasks_without_created_resources_unless_full_tasks_is_asked_for():
    client = FakeClient([task(ID_A, created=["v1"]), task(ID_B, data={"name": "vm", "password": "hunter2"})])
    result, failed = run_module(gcore_task_wait.main, {"task_ids": [ID_A, ID_B]}, client)
    assert not failed
    assert not [item for item in result["tasks"] if "created_resources" in item]
    assert result["created_resources_by_task"] == {ID_A: {"volumes": ["v1"]}}
    assert result["tasks"][1]["data"] == {"name": "vm", "password": "********"}
    assert not [key for item in result["tasks"] for key, value in item.items() if value is None]
    result, failed = run_module(gcore_task_wait.main, {"task_ids": [ID_A, ID_B], "full_tasks": True}, client)
    assert not failed
    assert result["tasks"][0] == client.fixed[ID_A]
    assert result["tasks"][1] == dict(client.fixed[ID_B], data={"name": "vm", "password": "********"})


def test_wait_failure_message_is_one_line_and_failed_tasks_keep_the_whole_error():
    error = "Traceback (most recent call last):\n  File x\n" + "y" * 1000
    client = FakeClient([task(ID_B, state="ERROR", error=error)])
    result, failed = run_module(gcore_task_wait.main, {"task_ids": [ID_B]}, client)
    assert failed and "\n" not in result["msg"] and len(result["msg"]) < 500
    assert "Traceback (most recent call last): File x yyy" in result["msg"]
    assert result["failed_tasks"][0]["error"] == error


def test_wait_with_fail_on_error_off_succeeds_and_lists_failed_tasks():
    client = FakeClient([task(ID_B, state="ERROR", error="Quota exceeded")])
    result, failed = run_module(gcore_task_wait.main, {"task_ids": [ID_B], "fail_on_error": False}, client)
    assert not failed and result["failed_tasks"][0]["id"] == ID_B


def test_wait_with_fail_on_error_off_warns_naming_the_failed_tasks():
    from ansible.module_utils import basic
    client = FakeClient([task(ID_A, created=["v1"]), task(ID_B, state="ERROR", error="Quota exceeded")])
    with mock.patch.object(basic.AnsibleModule, "warn") as warn:
        result, failed = run_module(gcore_task_wait.main, {"task_ids": [ID_A, ID_B], "fail_on_error": False}, client)
    assert not failed
    assert warn.call_count == 1
    text = warn.call_args[0][0]
    assert text.startswith("1 of 2 task(s) failed: %s (create_volume, ERROR): Quota exceeded" % ID_B)
    assert ID_A not in text and "\n" not in text


def test_wait_with_every_task_finished_gives_no_warning():
    from ansible.module_utils import basic
    client = FakeClient([task(ID_A, created=["v1"])])
    with mock.patch.object(basic.AnsibleModule, "warn") as warn:
        result, failed = run_module(gcore_task_wait.main, {"task_ids": [ID_A], "fail_on_error": False}, client)
    assert not failed and warn.call_count == 0


def test_non_finite_numbers_in_every_float_option_are_named_at_any_depth():
    spec = dict(a=dict(type="float"), b=dict(type="list", elements="float"),
                c=dict(type="dict", options=dict(d=dict(type="float"))),
                e=dict(type="list", elements="dict", options=dict(f=dict(type="float"))), g=dict(type="str"))
    params = dict(a=float("nan"), b=[1.0, float("inf")], c=dict(d=float("-inf")), e=[dict(f=2.0), dict(f=float("nan"))],
                  g="nan")
    bad = _module.non_finite_options(spec, params)
    assert [name for name, _value in bad] == ["a", "b", "c.d", "e.f"]
    assert _module.non_finite_options(spec, dict(a=1.5, b=[2.0], c=None, e=[])) == []


def test_a_programming_error_in_the_wait_is_a_traceback_not_a_one_line_message():
    client = FakeClient([task(ID_A, created=["v1"]), task(ID_B, state="RUNNING")])
    original = client.get_task
    reads = []

    def flaky(task_id, deadline=None):
        reads.append(task_id)
        if len(reads) > 2:
            raise KeyError("surprise")
        return original(task_id)

    client.get_task = flaky
    with pytest.raises(KeyError, match="surprise"):  # a bug must show as a bug, not as a task failure
        run_module(gcore_task_wait.main, {"task_ids": [ID_A, ID_B], "wait_sleep": 0.05}, client)


def test_wait_reports_a_task_the_api_does_not_know_as_failed_not_as_a_crash():
    client = FakeClient([task(ID_A, created=["v1"])])
    result, failed = run_module(gcore_task_wait.main, {"task_ids": [ID_A, ID_C]}, client)
    assert failed and ID_C in result["msg"]
    assert result["failed_tasks"][0]["id"] == ID_C and "no longer knows" in result["failed_tasks"][0]["error"]
    assert result["created_resources"] == {"volumes": ["v1"]}


def test_wait_times_out_naming_pending_tasks_with_what_finished_so_far():
    client = FakeClient([task(ID_A, created=["v1"]), task(ID_B, state="RUNNING")])
    result, failed = run_module(gcore_task_wait.main, {"task_ids": [ID_A, ID_B], "wait_timeout": 0.3,
                                                       "wait_sleep": 0.1}, client)
    assert failed and result["msg"].startswith("Timed out after 0.3s") and ID_B in result["msg"]
    assert result["pending_tasks"] == [{"id": ID_B, "task_type": "create_volume", "state": "RUNNING", "error": None}]
    assert result["created_resources"] == {"volumes": ["v1"]}


def test_a_timed_out_wait_with_a_failed_task_names_the_failed_task_first():
    client = FakeClient([task(ID_A, created=["v1"]), task(ID_B, state="ERROR", error="Quota exceeded"),
                         task(ID_C, state="RUNNING")])
    result, failed = run_module(gcore_task_wait.main, {"task_ids": [ID_A, ID_B, ID_C], "wait_timeout": 0.3,
                                                       "wait_sleep": 0.1}, client)
    assert failed and result["msg"].startswith("1 of 3 task(s) failed: %s (create_volume, ERROR): Quota exceeded. "
                                               "Timed out after 0.3s: 1 of 3 task(s) not finished: %s" % (ID_B, ID_C))
    assert [item["id"] for item in result["pending_tasks"]] == [ID_C] and result["created_resources"] == {
        "volumes": ["v1"]}


def test_a_non_retryable_api_error_fails_with_the_structured_failure_and_partial_results():
    client = FakeClient([task(ID_A, created=["v1"])])

    def unauthorized(task_id, deadline=None):
        if task_id == ID_A:
            return client.fixed[ID_A]
        raise ApiError("Invalid API key", status=401, method="GET", path="/cloud/v1/tasks/" + task_id,
                       exception_class="NotAuthenticated", request_id="r-401")

    client.get_task = unauthorized
    client.put(task(ID_B, state="RUNNING"))
    result, failed = run_module(gcore_task_wait.main, {"task_ids": [ID_A, ID_B]}, client)
    assert failed and "HTTP 401 NotAuthenticated: Invalid API key (request_id r-401)" in result["msg"]
    assert result["failure"]["status"] == 401 and result["failure"]["request_id"] == "r-401"
    assert "ansible_facts" not in result


def test_info_lists_with_every_filter_normalized():
    client = FakeClient([task(ID_A)])
    args = {"project_id": [1], "region_id": [76, 77], "state": ["ERROR"], "task_type": "create_vm",
            "is_acknowledged": False, "from_timestamp": "2026-05-23T07:00:00+02:00", "to_timestamp": "2026-05-24",
            "order_by": "asc", "limit": 5}
    result, failed = run_module(gcore_task_info.main, args, client)
    assert not failed and result["changed"] is False and result["tasks"][0]["id"] == ID_A
    assert client.calls == [("list_tasks", {
        "project_id": [1], "region_id": [76, 77], "state": ["ERROR"], "task_type": "create_vm",
        "is_acknowledged": False, "order_by": "asc", "from_timestamp": "2026-05-23T05:00:00.000000Z",
        "to_timestamp": "2026-05-24T00:00:00.000000Z"}, 5)]


def test_info_returns_the_date_of_the_apis_latest_answer_as_api_date_in_utc():
    client = FakeClient([task(ID_A)])
    client.last_date = "Wed, 02 Dec 2026 17:17:26 +0300"
    result, failed = run_module(gcore_task_info.main, {"task_ids": [ID_A]}, client)
    assert not failed and result["api_date"] == "2026-12-02T14:17:26.000000Z"
    client.last_date = None  # an API (or proxy) that sends no Date header
    result, failed = run_module(gcore_task_info.main, {"task_ids": [ID_A]}, client)
    assert not failed and result["api_date"] is None


def test_info_active_reads_the_active_endpoint_of_one_project_and_region():
    client = FakeClient([task(ID_A, state="RUNNING"), task(ID_B)])
    result, failed = run_module(gcore_task_info.main, {"active": True, "project_id": [1], "region_id": [76]}, client)
    assert not failed and [item["id"] for item in result["tasks"]] == [ID_A]
    assert client.calls == [("list_active_tasks", 1, 76, None, None)]


def test_info_masks_sensitive_task_data_unless_asked_not_to():
    client = FakeClient([task(ID_A, data={"name": "vm", "password": "hunter2"})])
    result, _unused = run_module(gcore_task_info.main, {"task_ids": [ID_A]}, client)
    assert result["tasks"][0]["data"] == {"name": "vm", "password": "********"}
    result, _unused = run_module(gcore_task_info.main, {"task_ids": [ID_A], "mask_task_data": False}, client)
    assert result["tasks"][0]["data"]["password"] == "hunter2"


@pytest.mark.parametrize("main, args", [
    (gcore_task_info.main, {"task_ids": [ID_A, ID_B]}),
    (gcore_task_info.main, {"project_id": [1]}),
    (gcore_task_ack.main, {"task_ids": [ID_A, ID_B]}),
    (gcore_task_ack.main, {"acknowledge_all": True, "project_id": [1]}),
])
def test_info_and_ack_return_tasks_without_empty_created_resources_lists_unless_full_tasks_is_asked_for(main, args):
    client = FakeClient([task(ID_A, created=["v1"]), task(ID_B, data={"name": "vm", "password": "hunter2"})])
    result, failed = run_module(main, args, client)
    assert not failed and [item["id"] for item in result["tasks"]] == [ID_A, ID_B]
    assert [item["created_resources"] for item in result["tasks"]] == [{"volumes": ["v1"]}, {}]
    assert result["tasks"][1]["data"] == {"name": "vm", "password": "********"}
    assert set(result["tasks"][0]) >= set(client.fixed[ID_A]), "only the empty lists go; every key stays"
    result, failed = run_module(main, dict(args, full_tasks=True), client)
    assert not failed
    assert [item["created_resources"] for item in result["tasks"]] == [{"volumes": ["v1"], "instances": []},
                                                                       {"volumes": [], "instances": []}]
    assert result["tasks"][1]["data"] == {"name": "vm", "password": "********"}


def test_ack_in_check_mode_reports_a_change_and_sends_nothing():
    client = FakeClient([task(ID_A), task(ID_B, acknowledged_at="2026-05-23T05:10:00")])
    result, failed = run_module(gcore_task_ack.main, {"task_ids": [ID_A, ID_B], "_ansible_check_mode": True}, client)
    assert not failed and result["changed"] is True and [item["id"] for item in result["tasks"]] == [ID_A]
    assert not [call for call in client.calls if call[0].startswith("acknowledge")]


def test_ack_skips_tasks_already_acknowledged():
    client = FakeClient([task(ID_A, acknowledged_at="2026-05-23T05:10:00")])
    result, failed = run_module(gcore_task_ack.main, {"task_ids": [ID_A]}, client)
    assert not failed and result["changed"] is False and result["tasks"] == []
    assert ("acknowledge_task", ID_A) not in client.calls


def test_ack_all_posts_only_when_unacknowledged_tasks_exist():
    client = FakeClient([])
    result, _unused = run_module(gcore_task_ack.main, {"acknowledge_all": True, "project_id": 1}, client)
    assert result["changed"] is False and not [call for call in client.calls if call[0] == "acknowledge_all"]
    client = FakeClient([task(ID_A)])
    result, _unused = run_module(gcore_task_ack.main, {"acknowledge_all": True, "project_id": 1, "region_id": 76},
                                 client)
    assert result["changed"] is True and ("acknowledge_all", 1, 76) in client.calls
    assert client.calls[0] == ("list_tasks", {"is_acknowledged": False, "project_id": [1], "region_id": [76]}, None)


def located(task_id, project_id, region_id, **kwargs):
    return dict(task(task_id, **kwargs), project_id=project_id, region_id=region_id)


@pytest.mark.parametrize("args", [
    {},
    {"region_id": [76]},
    {"all_projects": False},
])
def test_ack_all_without_a_project_fails_before_any_client_exists(args):
    with mock.patch.dict("os.environ"):
        os.environ.pop("GCORE_CLOUD_PROJECT_ID", None)
        result, failed = run_module(gcore_task_ack.main, dict({"acknowledge_all": True}, **args))
    assert failed and "acknowledge_all=true needs project_id" in result["msg"] and "all_projects=true" in result["msg"]


def test_ack_all_with_project_id_and_all_projects_is_refused_before_any_client_exists():
    result, failed = run_module(gcore_task_ack.main, {"acknowledge_all": True, "all_projects": True, "project_id": 1})
    assert failed and "mutually exclusive" in result["msg"]


def test_ack_all_with_all_projects_and_a_project_from_the_environment_says_where_the_project_came_from():
    with mock.patch.dict("os.environ", {"GCORE_CLOUD_PROJECT_ID": "7"}):
        result, failed = run_module(gcore_task_ack.main, {"acknowledge_all": True, "all_projects": True})
    assert failed and "GCORE_CLOUD_PROJECT_ID" in result["msg"] and "mutually exclusive" in result["msg"]


def test_ack_all_with_all_projects_posts_once_without_a_scope():
    client = FakeClient([located(ID_A, 1, 76), located(ID_B, 2, 80)])
    result, failed = run_module(gcore_task_ack.main, {"acknowledge_all": True, "all_projects": True}, client)
    assert not failed and result["changed"] is True
    assert [call for call in client.calls if call[0] == "acknowledge_all"] == [("acknowledge_all", None, None)]


def test_ack_all_posts_once_per_project_region_pair_that_holds_unacknowledged_tasks():
    client = FakeClient([located(ID_A, 1, 76), located(ID_B, 2, 80), located(ID_C, 1, 80)])
    result, failed = run_module(gcore_task_ack.main, {"acknowledge_all": True, "project_id": [1, 2],
                                                      "region_id": [76, 80]}, client)
    assert not failed and result["changed"] is True
    assert client.calls[0] == ("list_tasks", {"is_acknowledged": False, "project_id": [1, 2], "region_id": [76, 80]},
                               None)
    assert [call for call in client.calls if call[0] == "acknowledge_all"] == [
        ("acknowledge_all", 1, 76), ("acknowledge_all", 1, 80), ("acknowledge_all", 2, 80)]


def test_ack_all_posts_every_pair_when_a_task_does_not_name_its_project():
    client = FakeClient([task(ID_A)])  # project_id and region_id are null
    run_module(gcore_task_ack.main, {"acknowledge_all": True, "project_id": [1, 2], "region_id": 76}, client)
    assert [call for call in client.calls if call[0] == "acknowledge_all"] == [
        ("acknowledge_all", 1, 76), ("acknowledge_all", 2, 76)]


def test_ack_all_with_projects_only_posts_once_per_project_without_a_region():
    client = FakeClient([located(ID_A, 1, 76), located(ID_B, 1, 80), located(ID_C, 2, 76)])
    run_module(gcore_task_ack.main, {"acknowledge_all": True, "project_id": [2, 1, 2]}, client)
    assert [call for call in client.calls if call[0] == "acknowledge_all"] == [
        ("acknowledge_all", 2, None), ("acknowledge_all", 1, None)]


def test_ack_all_takes_several_projects_from_the_environment_like_info_does():
    client = FakeClient([located(ID_A, 1, 76), located(ID_B, 2, 76)])
    with mock.patch.dict("os.environ", {"GCORE_CLOUD_PROJECT_ID": "1,2"}):
        result, failed = run_module(gcore_task_ack.main, {"acknowledge_all": True}, client)
    assert not failed and client.calls[0][1]["project_id"] == [1, 2]


def test_project_id_and_region_id_have_one_shape_in_every_module_that_takes_them():
    from ansible_collections.gcore.tasks.plugins.module_utils._task_ack import TaskAckModule
    from ansible_collections.gcore.tasks.plugins.module_utils._task_info import TaskInfoModule
    for name in ("project_id", "region_id"):
        assert TaskAckModule.argument_spec[name] == TaskInfoModule.argument_spec[name]
        assert TaskAckModule.argument_spec[name]["type"] == "list"


@pytest.mark.parametrize("main", [gcore_task_info.main, gcore_task_wait.main, gcore_task_ack.main])
def test_without_requests_every_module_fails_naming_the_missing_library(main):
    with mock.patch.object(_module, "HAS_REQUESTS", False), \
            mock.patch.object(_module, "REQUESTS_IMPORT_ERROR", "ImportError: No module named 'requests'"):
        result, failed = run_module(main, {"task_ids": [ID_A]})
    assert failed and "Failed to import the required Python library (requests)" in result["msg"]
    assert "No module named 'requests'" in result["exception"]


def test_a_programming_error_in_any_module_is_a_traceback():
    client = FakeClient([task(ID_A)])

    def broken(task_id, deadline=None):
        raise TypeError("unhashable type: 'list'")

    client.get_task = broken
    with pytest.raises(TypeError):
        run_module(gcore_task_info.main, {"task_ids": [ID_A]}, client)
