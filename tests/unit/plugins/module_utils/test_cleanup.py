# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""gcore_cleanup: the plan (ranks, parts, unknown kinds, scopes, names) and its run against a fake API."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading
import uuid

import pytest

from ansible_collections.gcore.tasks.plugins.module_utils._cleanup import (
    CONFLICT_EVERY,
    Cleanup,
    add_created_by_tasks,
    cleanup_result,
    conflict_delay,
    failure_message,
    plan_cleanup,
    rank_wait,
)
from ansible_collections.gcore.tasks.plugins.module_utils._errors import (
    MAYBE_PROCESSED,
    ApiError,
    GcoreError,
    MaybeProcessedError,
)
from ansible_collections.gcore.tasks.plugins.module_utils._progress import PROGRESS_FILE_ENV
from ansible_collections.gcore.tasks.plugins.module_utils._record import record_from
from ansible_collections.gcore.tasks.plugins.modules import gcore_cleanup
from ansible_collections.gcore.tasks.tests.unit.plugins.fake_api import FakeApi
from ansible_collections.gcore.tasks.tests.unit.plugins.modules.module_runner import run_module

STACK = dict(
    networks=["net-1"],
    subnets=["sub-1"],
    volumes=["vol-1", "vol-2"],
    instances=["vm-1"],
    ports=["port-1"],
    floatingips=["fip-1"],
    loadbalancers=["lb-1"],
    listeners=["lis-1"],
    routers=["rt-1"],
    k8s_clusters=["k8s-id-1"],
    k8s_pools=["pool-1"],
)


def gcore_error(status, method="DELETE", path="/x", exception_class="Error", message="refused", request_id="req-1",
                maybe_processed=False):
    kind = MaybeProcessedError if maybe_processed else ApiError
    return kind(message, status=status, method=method, path=path, exception_class=exception_class,
                request_id=request_id)


class CleanupApi(FakeApi):
    """The tasks API stand-in (tasks on a fake clock) plus the resource calls gcore_cleanup makes.

    A DELETE answers a new delete task, FINISHED C(delete_duration) later (C(delete_states[path]): "RUNNING"
    for one that never ends, "ERROR"), unless C(scripts[path]) holds answers (a dict or a GcoreError,
    used in turn). C(listing[path]) is a list endpoint's results; C(gone) holds paths a GET answers 404
    for. Every request is logged as 'METHOD path' ('TASK id' for a task read, 'TASKS path' for a task
    list, 'LIST path' for another list); each task read moves the fake clock on by LATENCY.
    """

    LATENCY = 0.25

    def __init__(self, scripts=None, listing=None, gone=(), delete_states=None, delete_duration=0.0):
        super(CleanupApi, self).__init__()
        self.delete_duration = delete_duration
        self.scripts = dict((path, list(answers)) for path, answers in (scripts or {}).items())
        self.listing = listing or {}
        self.gone = set(gone)
        self.delete_states = delete_states or {}
        self.log = []
        self.slept = []
        self.lock = threading.Lock()

    def _note(self, entry):
        with self.lock:
            self.log.append(entry)

    def sleep(self, seconds):
        self.slept.append(seconds)
        super(CleanupApi, self).sleep(seconds)

    def call(self, method, path, params=None, json_body=None, deadline=None):
        self._note("%s %s" % (method, path))
        script = self.scripts.get(path)
        answer = script.pop(0) if script else None
        if isinstance(answer, Exception):
            raise answer
        if answer is None:
            state = self.delete_states.get(path, "FINISHED")
            with self.lock:
                task_id = self.add(None if state == "RUNNING" else self.delete_duration, outcome=state, task_type="delete_x",
                                   project_id=1, region_id=76, created=self.now)
            answer = {"tasks": [task_id]}
        return 200, answer

    def request(self, method, path, params=None, json_body=None, deadline=None):
        self._note("%s %s" % (method, path))
        if path in self.gone:
            raise gcore_error(404, method="GET", path=path, exception_class="NotFound")
        return {"id": path.rsplit("/", 1)[-1]}

    def iter_pages(self, path, params=None, limit=None, page_size=1000, deadline=None):
        self._note("LIST %s" % path)
        answer = self.listing.get(path, [])
        if isinstance(answer, Exception):
            raise answer
        yield answer

    def get_task(self, task_id, deadline=None):
        self._note("TASK %s" % task_id)
        self.now += self.LATENCY
        return super(CleanupApi, self).get_task(task_id, deadline)

    def list_page(self, path, params=None, limit=1000, offset=0, deadline=None):
        self._note("TASKS %s" % path)
        self.now += self.LATENCY
        return super(CleanupApi, self).list_page(path, params, limit, offset, deadline)

    def deletes(self):
        return [entry.split(" ", 1)[1] for entry in self.log if entry.startswith("DELETE ")]


def run(record, api, check_mode=False, conflict_timeout=60.0, wait_timeout=600.0, project_id=1, region_id=76,
        unknown_kinds="fail", say=None):
    """Plan and run a cleanup against C(api) on its fake clock (the waits sleep for real, never long)."""
    plan = plan_cleanup(record_from(record), project_id, region_id, unknown_kinds)
    started = api.now
    cleanup = Cleanup(api, rank_wait(api, dict(wait_sleep=None, progress_interval=0)), wait_timeout, conflict_timeout,
                      sleep=api.sleep, rand=lambda: 0.5, say=say)
    not_started = cleanup.run(plan, check_mode=check_mode)
    return cleanup_result(plan, not_started, cleanup.task_ids, api.now - started, check_mode)


def path(kind, ref, project_id=1, region_id=76):
    base = {"instances": "/cloud/v1/instances", "k8s_clusters": "/cloud/v2/k8s/clusters"}.get(
        kind, "/cloud/v1/%s" % kind)
    return "%s/%d/%d/%s" % (base, project_id, region_id, ref)


K8S_LIST = "/cloud/v2/k8s/clusters/1/76"


# ------------------------------------------------------------------------------------------ the plan


def test_plan_orders_kinds_clusters_first_networks_last_and_leaves_parts_to_their_parents():
    plan = plan_cleanup(record_from(STACK), 1, 76)
    assert [[target.kind.key for target in rank] for rank in plan.ranks] == [
        ["k8s_clusters"], ["loadbalancers"], ["instances"], ["floatingips"], ["volumes", "volumes"], ["routers"],
        ["subnets"], ["networks"]]
    assert plan.parts == dict(ports=["port-1"], listeners=["lis-1"], k8s_pools=["pool-1"])
    assert all(target.kind.key not in ("ports", "listeners", "k8s_pools") for rank in plan.ranks for target in rank)


def test_plan_refuses_unknown_kinds_naming_them_and_their_ids():
    with pytest.raises(ValueError) as caught:
        plan_cleanup(record_from(dict(volumes=["vol-1"], secrets=["sec-1"], file_shares=["fs-1", "fs-2"])), 1, 76)
    message = str(caught.value)
    assert "secrets (sec-1)" in message and "file_shares (fs-1, fs-2)" in message
    assert "unknown_kinds=skip" in message


def test_plan_with_unknown_kinds_skip_leaves_them_alone_and_says_so():
    plan = plan_cleanup(record_from(dict(volumes=["vol-1"], secrets=["sec-1"])), 1, 76, "skip")
    assert [[target.id for target in rank] for rank in plan.ranks] == [["vol-1"]]
    assert plan.skipped == dict(secrets=["sec-1"])


def test_plan_takes_each_ids_scope_from_the_record_and_the_options_for_the_rest():
    record = dict(created_resources=dict(volumes=["vol-1", "vol-2"]),
                  scopes={"vol-1": dict(project_id=7, region_id=8)})
    plan = plan_cleanup(record_from(record), 1, 76)
    assert [target.path for target in plan.ranks[0]] == ["/cloud/v1/volumes/7/8/vol-1", "/cloud/v1/volumes/1/76/vol-2"]


def test_plan_takes_scopes_from_a_registered_results_tasks():
    registered = dict(created_resources=dict(volumes=["vol-1"]),
                      tasks=[dict(id=str(uuid.uuid4()), project_id=3, region_id=4,
                                  created_resources=dict(volumes=["vol-1"]))])
    plan = plan_cleanup(record_from(registered))
    assert plan.ranks[0][0].path == "/cloud/v1/volumes/3/4/vol-1"


def test_plan_without_a_scope_for_some_ids_fails_naming_them_before_any_request():
    record = dict(created_resources=dict(volumes=["vol-1", "vol-2"]),
                  scopes={"vol-1": dict(project_id=7, region_id=8)})
    with pytest.raises(ValueError) as caught:
        plan_cleanup(record_from(record))
    assert "volumes vol-2" in str(caught.value) and "vol-1" not in str(caught.value)
    assert "project_id and region_id" in str(caught.value)


@pytest.mark.parametrize("bad", ["../tasks", "a/b", "x?y=1", "", "with space"])
def test_plan_refuses_values_that_are_not_resource_ids(bad):
    with pytest.raises(ValueError) as caught:
        plan_cleanup(record_from(dict(volumes=["vol-1", bad])), 1, 76)
    assert "not resource IDs" in str(caught.value) and repr(bad) in str(caught.value)


def test_plan_of_an_empty_input_has_nothing_to_do():
    for empty in (None, {}, [], dict(created_resources={})):
        assert plan_cleanup(record_from(empty), 1, 76).ranks == []


# ------------------------------------------------------------------------------------------ the run


def test_each_rank_is_deleted_and_waited_for_before_the_next_rank_starts():
    api = CleanupApi(listing={K8S_LIST: [dict(id="k8s-id-1", name="web")]})
    result = run(STACK, api)
    steps = []
    for entry in api.log:
        if entry.startswith("DELETE"):
            steps.append(entry.split("/")[3] if "/k8s/" not in entry else "k8s")
        elif entry.startswith("TASK") and steps[-1] != "wait":  # the reads of one wait count once
            steps.append("wait")
    assert steps == ["k8s", "wait", "loadbalancers", "wait", "instances", "wait", "floatingips", "wait",
                     "volumes", "volumes", "wait", "routers", "wait", "subnets", "wait", "networks", "wait"]
    assert result["changed"] is True
    assert result["deleted"] == dict(k8s_clusters=["k8s-id-1"], loadbalancers=["lb-1"], instances=["vm-1"],
                                     floatingips=["fip-1"], volumes=["vol-1", "vol-2"], routers=["rt-1"],
                                     subnets=["sub-1"], networks=["net-1"])
    assert result["with_parent"] == dict(ports=["port-1"], listeners=["lis-1"], k8s_pools=["pool-1"])
    assert result["failed_resources"] == [] and result["already_gone"] == {} and result["not_started"] == {}
    assert len(result["task_ids"]) == 9


def test_a_cluster_is_deleted_by_the_name_the_list_gives_its_id():
    api = CleanupApi(listing={K8S_LIST: [dict(id="other", name="db"), dict(id="k8s-id-1", name="web")]})
    result = run(dict(k8s_clusters=["k8s-id-1"]), api)
    assert api.deletes() == [path("k8s_clusters", "web")]
    assert result["deleted"] == dict(k8s_clusters=["k8s-id-1"])


def test_a_cluster_given_by_name_is_deleted_by_that_name():
    api = CleanupApi(listing={K8S_LIST: [dict(id="k8s-id-1", name="web")]})
    run(dict(k8s_clusters=["web"]), api)
    assert api.deletes() == [path("k8s_clusters", "web")]


def test_a_cluster_the_list_does_not_hold_is_already_gone_and_not_deleted():
    api = CleanupApi(listing={K8S_LIST: [dict(id="other", name="db")]})
    result = run(dict(k8s_clusters=["k8s-id-1"]), api)
    assert api.deletes() == []
    assert result["already_gone"] == dict(k8s_clusters=["k8s-id-1"]) and result["changed"] is False


def test_clusters_of_one_project_and_region_are_listed_once():
    api = CleanupApi(listing={K8S_LIST: [dict(id="a", name="one"), dict(id="b", name="two")]})
    run(dict(k8s_clusters=["a", "b"]), api)
    assert [entry for entry in api.log if entry.startswith("LIST")] == ["LIST " + K8S_LIST]
    assert sorted(api.deletes()) == [path("k8s_clusters", "one"), path("k8s_clusters", "two")]


def test_a_failed_cluster_list_fails_the_clusters_and_stops_later_ranks():
    api = CleanupApi(listing={K8S_LIST: gcore_error(500, method="GET", path=K8S_LIST, request_id="req-list")})
    result = run(dict(k8s_clusters=["k8s-id-1"], volumes=["vol-1"]), api)
    assert api.deletes() == []
    assert result["failed_resources"][0]["kind"] == "k8s_clusters" and result["failed_resources"][0]["request_id"] == "req-list"
    assert result["not_started"] == dict(volumes=["vol-1"])


def test_a_404_is_already_gone_not_a_failure_and_not_a_change():
    api = CleanupApi(scripts={path("volumes", "vol-1"): [gcore_error(404, exception_class="VolumeNotFound")]})
    result = run(dict(volumes=["vol-1"]), api)
    assert result["already_gone"] == dict(volumes=["vol-1"])
    assert result["deleted"] == {} and result["failed_resources"] == [] and result["changed"] is False


def test_a_404_without_a_gcore_error_body_is_a_failure_not_already_gone():
    api = CleanupApi(scripts={path("volumes", "vol-1"): [gcore_error(404, exception_class=None)]})
    result = run(dict(volumes=["vol-1"]), api)
    assert result["already_gone"] == {} and result["failed_resources"][0]["status"] == 404


def test_a_409_is_sent_again_with_growing_jittered_sleeps_until_accepted():
    conflict = gcore_error(409, exception_class="SubnetInUse")
    api = CleanupApi(scripts={path("subnets", "sub-1"): [conflict, conflict, conflict]})
    result = run(dict(subnets=["sub-1"]), api)
    assert api.deletes() == [path("subnets", "sub-1")] * 4
    assert api.slept[:3] == [0.75, 1.5, 3.0]  # 1, 2, 4 s with the jitter at its middle
    assert result["deleted"] == dict(subnets=["sub-1"]) and result["failed_resources"] == []


def test_a_409_that_outlasts_conflict_timeout_fails_the_resource_with_the_apis_message():
    conflict = gcore_error(409, exception_class="SubnetInUse", message="ports still use it", request_id="req-409")
    api = CleanupApi(scripts={path("subnets", "sub-1"): [conflict] * 100})
    result = run(dict(subnets=["sub-1"], networks=["net-1"]), api, conflict_timeout=30.0)
    assert sum(api.slept) == pytest.approx(30.0)
    failure = result["failed_resources"][0]
    assert failure["status"] == 409 and failure["request_id"] == "req-409" and "ports still use it" in failure["message"]
    assert "conflict_timeout" in failure["message"]
    assert result["not_started"] == dict(networks=["net-1"])
    assert path("networks", "net-1") not in api.deletes()


def test_conflict_timeout_zero_does_not_retry_a_409():
    api = CleanupApi(scripts={path("subnets", "sub-1"): [gcore_error(409)] * 3})
    result = run(dict(subnets=["sub-1"]), api, conflict_timeout=0.0)
    assert api.deletes() == [path("subnets", "sub-1")] and result["failed_resources"][0]["status"] == 409


def test_each_rank_starts_with_a_line_naming_what_it_deletes():
    lines = []
    run(dict(volumes=["v1", "v2"], loadbalancers=["lb"], floatingips=["f"]), CleanupApi(), say=lines.append)
    assert lines == ["step 1 of 3: deleting 1 load balancer", "step 2 of 3: deleting 1 floating IP",
                     "step 3 of 3: deleting 2 volumes"]


def test_the_waits_show_progress_lines_as_gcore_task_wait_does(tmp_path, monkeypatch):
    progress = tmp_path / "progress.txt"
    monkeypatch.setenv(PROGRESS_FILE_ENV, str(progress))
    api = CleanupApi(delete_duration=0.3)  # still running at the first read, ended at the second
    cleanup = Cleanup(api, rank_wait(api, dict(wait_sleep=0.01, progress_interval=60)), 60, 60, sleep=api.sleep)
    cleanup.run(plan_cleanup(record_from(dict(volumes=["v1"])), 1, 76))
    lines = progress.read_text().splitlines()
    assert len(lines) == 2 and lines[0].startswith("0/1 tasks ended; waiting on 1: delete_x RUNNING for ")
    assert lines[1] == "1/1 tasks ended"


def test_conflict_delays_double_to_every_10_s_with_jitter_between_half_and_all():
    assert [conflict_delay(attempt, rand=lambda: 1.0) for attempt in range(6)] == [1, 2, 4, 8, 10, 10]
    assert conflict_delay(0, rand=lambda: 0.0) == 0.5
    assert conflict_delay(9, rand=lambda: 0.0) == CONFLICT_EVERY / 2


def test_a_failed_delete_fails_that_resource_the_rest_of_its_rank_goes_on_later_ranks_do_not_start():
    broken = gcore_error(500, message="server error; " + MAYBE_PROCESSED, request_id="req-500", maybe_processed=True)
    api = CleanupApi(scripts={path("volumes", "vol-2"): [broken]})
    record = dict(volumes=["vol-1", "vol-2", "vol-3"], subnets=["sub-1"], networks=["net-1"])
    result = run(record, api)
    assert sorted(api.deletes()) == [path("volumes", "vol-%d" % index) for index in (1, 2, 3)]
    assert api.deletes().count(path("volumes", "vol-2")) == 1  # a write that may have been processed is not re-sent
    assert result["deleted"] == dict(volumes=["vol-1", "vol-3"])
    assert result["failed_resources"] == [dict(kind="volumes", id="vol-2", status=500, message=str(broken), request_id="req-500")]
    assert result["not_started"] == dict(subnets=["sub-1"], networks=["net-1"])
    assert result["changed"] is True


def test_a_delete_that_may_have_been_processed_is_confirmed_by_a_get_not_sent_again():
    broken = gcore_error(502, message="bad gateway; " + MAYBE_PROCESSED, maybe_processed=True)
    api = CleanupApi(scripts={path("volumes", "vol-1"): [broken]}, gone={path("volumes", "vol-1")})
    result = run(dict(volumes=["vol-1"]), api)
    assert api.deletes() == [path("volumes", "vol-1")]
    assert "GET " + path("volumes", "vol-1") in api.log
    assert result["deleted"] == dict(volumes=["vol-1"]) and result["failed_resources"] == []


def test_a_delete_that_may_have_been_processed_waits_for_the_task_deleting_the_resource():
    task_id = "26986bc0-748a-4448-b836-0a2aa465eb06"
    api = CleanupApi(scripts={path("volumes", "vol-1"): [gcore_error(504, maybe_processed=True)]})
    api.request = lambda method, where, params=None, json_body=None, deadline=None: dict(
        id="vol-1", status="deleting", task_id=task_id.upper())
    api.put(dict(id=task_id, task_type="delete_volume", state="FINISHED", project_id=1, region_id=76,
                 created_on="2026-05-23T05:00:00", created_resources={}))
    result = run(dict(volumes=["vol-1"]), api)
    assert "TASK " + task_id in api.log
    assert result["deleted"] == dict(volumes=["vol-1"]) and result["task_ids"] == [task_id]


def test_a_delete_that_may_have_been_processed_of_a_resource_still_there_fails_it():
    broken = gcore_error(502, message="bad gateway; " + MAYBE_PROCESSED, maybe_processed=True)
    api = CleanupApi(scripts={path("volumes", "vol-1"): [broken]})
    result = run(dict(volumes=["vol-1"]), api)
    assert api.deletes() == [path("volumes", "vol-1")]
    assert result["failed_resources"][0]["message"] == str(broken)


def test_a_delete_task_in_error_fails_its_resource_naming_the_task_and_its_error():
    api = CleanupApi()
    task_id = "26986bc0-748a-4448-b836-0a2aa465eb06"
    api.scripts[path("volumes", "vol-1")] = [{"tasks": [task_id]}]
    api.put(dict(id=task_id, task_type="delete_volume", state="ERROR", project_id=1, region_id=76,
                 created_on="2026-05-23T05:00:00", error="disk busy", request_id="task-req", created_resources=None))
    result = run(dict(volumes=["vol-1"], networks=["net-1"]), api)
    failure = result["failed_resources"][0]
    assert failure["task_id"] == task_id and "disk busy" in failure["message"] and failure["request_id"] == "task-req"
    assert result["not_started"] == dict(networks=["net-1"])


def test_a_delete_task_that_does_not_end_in_time_fails_its_resource():
    api = CleanupApi(delete_states={path("volumes", "vol-1"): "RUNNING"})
    result = run(dict(volumes=["vol-1"], networks=["net-1"]), api, wait_timeout=0.5)
    assert "has not ended (RUNNING) within wait_timeout (0.5s)" in result["failed_resources"][0]["message"]
    assert result["not_started"] == dict(networks=["net-1"])


def test_a_wait_stopped_by_an_api_error_fails_the_ranks_resources_with_that_error():
    api = CleanupApi()
    refused = ApiError("key revoked", status=401, method="GET", path="/cloud/v1/tasks/x",
                       exception_class="NotAuthenticated", request_id="req-401")
    api.failures.extend([refused, refused])  # the read of the task, then the wait's last-chance list
    result = run(dict(volumes=["vol-1"], networks=["net-1"]), api)
    failure = result["failed_resources"][0]
    assert failure["status"] == 401 and failure["request_id"] == "req-401" and "key revoked" in failure["message"]
    assert failure["message"].startswith("waiting for the delete task ")
    assert result["not_started"] == dict(networks=["net-1"])


def test_parts_of_a_kind_with_a_failure_stay_out_of_with_parent():
    api = CleanupApi(scripts={path("instances", "vm-1"): [gcore_error(500)]})
    result = run(dict(instances=["vm-1"], ports=["port-1"], volumes=["vol-1"]), api)
    assert result["with_parent"] == {}


def test_a_delete_answered_with_no_task_is_deleted_at_once():
    api = CleanupApi(scripts={path("volumes", "vol-1"): [{"tasks": []}]})
    result = run(dict(volumes=["vol-1"]), api)
    assert result["deleted"] == dict(volumes=["vol-1"]) and result["task_ids"] == []


def test_check_mode_reads_each_resource_and_deletes_nothing():
    api = CleanupApi(gone={path("volumes", "vol-2")}, listing={K8S_LIST: [dict(id="k8s-id-1", name="web")]})
    result = run(dict(volumes=["vol-1", "vol-2"], k8s_clusters=["k8s-id-1", "k8s-id-2"]), api, check_mode=True)
    assert api.deletes() == []
    assert sorted(entry for entry in api.log if entry.startswith("GET")) == [
        "GET " + path("volumes", "vol-1"), "GET " + path("volumes", "vol-2")]
    assert result["would_delete"] == dict(k8s_clusters=["k8s-id-1"], volumes=["vol-1"])
    assert result["already_gone"] == dict(k8s_clusters=["k8s-id-2"], volumes=["vol-2"])
    assert result["deleted"] == {} and result["changed"] is True and result["with_parent"] == {}


def test_the_failure_message_names_each_resource_left_with_message_and_request_id():
    api = CleanupApi(scripts={
        path("volumes", "vol-2"): [gcore_error(500, message="boom", request_id=None)],
        path("volumes", "vol-1"): [GcoreError("quota", status=403, method="DELETE", path="/p",
                                              exception_class="Forbidden", request_id="req-9")]})
    result = run(dict(volumes=["vol-1", "vol-2"], networks=["net-1"]), api)
    message = failure_message(result)
    assert message.startswith("2 resource(s) could not be deleted: volumes vol-1: ")
    assert "(request_id req-9)" in message and "volumes vol-2:" in message and "boom" in message
    assert "Not started, as they may depend on those: 1 network " in message
    assert "\n" not in message


# ------------------------------------------------------------------------------------------ the module


def test_the_module_fails_on_unknown_kinds_before_any_client_exists():
    result, failed = run_module(gcore_cleanup.main, dict(created=dict(secrets=["s"]), project_id=1, region_id=76))
    assert failed and "secrets (s)" in result["msg"]


def test_the_module_fails_on_ids_without_a_scope_before_any_client_exists():
    result, failed = run_module(gcore_cleanup.main, dict(created=dict(volumes=["v"])))
    assert failed and "volumes v" in result["msg"]


def test_the_module_refuses_input_that_is_no_record():
    result, failed = run_module(gcore_cleanup.main, dict(created="volumes", project_id=1, region_id=76))
    assert failed and "expected a created_resources dict" in result["msg"]


@pytest.mark.parametrize("option, value", [("wait_timeout", 0), ("conflict_timeout", -1), ("wait_sleep", 0),
                                           ("progress_interval", -1)])
def test_the_module_refuses_impossible_timings_before_any_client_exists(option, value):
    result, failed = run_module(gcore_cleanup.main, dict(created={}, **{option: value}))
    assert failed and option in result["msg"]


def test_the_module_deletes_a_record_and_a_failed_result_together():
    api = CleanupApi()
    failed_result = dict(failed=True, created_resources=dict(volumes=["vol-2"]),
                         tasks=[dict(id=str(uuid.uuid4()), project_id=5, region_id=6,
                                     created_resources=dict(volumes=["vol-2"]))])
    record = dict(created_resources=dict(volumes=["vol-1"]), scopes={"vol-1": dict(project_id=1, region_id=76)})
    result, failed = run_module(gcore_cleanup.main, dict(created=[record, failed_result]), api)
    assert not failed, result
    assert sorted(api.deletes()) == ["/cloud/v1/volumes/1/76/vol-1", "/cloud/v1/volumes/5/6/vol-2"]
    assert result["deleted"] == dict(volumes=["vol-1", "vol-2"]) and result["changed"] is True


def test_the_module_in_a_rescue_of_another_modules_failure_deletes_the_record():
    api = CleanupApi()
    record = dict(created_resources=dict(volumes=["vol-1"]), scopes={"vol-1": dict(project_id=1, region_id=76)})
    assert_failed = dict(failed=True, changed=False, msg="Assertion failed", assertion="x", evaluated_to=False)
    result, failed = run_module(gcore_cleanup.main, dict(created=[record, assert_failed]), api)
    assert not failed, result
    assert api.deletes() == ["/cloud/v1/volumes/1/76/vol-1"]


def test_the_module_fails_at_the_end_with_every_result_key():
    api = CleanupApi(scripts={path("volumes", "vol-1"): [gcore_error(403, exception_class="Forbidden")]})
    result, failed = run_module(gcore_cleanup.main, dict(created=dict(volumes=["vol-1"], networks=["n"]),
                                                         project_id=1, region_id=76), api)
    assert failed and result["msg"].startswith("1 resource(s) could not be deleted: volumes vol-1")
    assert result["not_started"] == dict(networks=["n"]) and result["failed_resources"][0]["kind"] == "volumes"
    assert set(result) >= set(["deleted", "already_gone", "failed_resources", "task_ids", "elapsed", "with_parent"])


def test_the_module_in_check_mode_sends_no_delete():
    api = CleanupApi()
    result, failed = run_module(gcore_cleanup.main, dict(created=dict(volumes=["vol-1"]), project_id=1, region_id=76,
                                                         _ansible_check_mode=True), api)
    assert not failed and api.deletes() == [] and result["would_delete"] == dict(volumes=["vol-1"])


# ------------------------------------------------------------------ routers made with a network

NET_TASK = "55555555-5555-4555-8555-555555555555"
NETWORKS_LIST = "/cloud/v1/networks/1/76"
ROUTERS_LIST = "/cloud/v1/routers/1/76"


def network_listing(router_creator=NET_TASK, router_status="ACTIVE"):
    return {NETWORKS_LIST: [dict(id="net-1", creator_task_id=NET_TASK.upper()), dict(id="net-9", creator_task_id="t-9")],
            ROUTERS_LIST: [dict(id="rt-auto", creator_task_id=router_creator, status=router_status),
                           dict(id="rt-other", creator_task_id="t-9"), dict(id="rt-user", creator_task_id=None)]}


def test_a_router_made_with_a_network_is_found_by_its_creator_task_and_deleted_before_the_subnets():
    api = CleanupApi(listing=network_listing())
    result = run(dict(networks=["net-1"], subnets=["sub-1"]), api)
    assert api.deletes() == [path("routers", "rt-auto"), path("subnets", "sub-1"), path("networks", "net-1")]
    assert result["deleted"] == dict(routers=["rt-auto"], subnets=["sub-1"], networks=["net-1"])
    assert result["made_with"] == {"rt-auto": "net-1"}
    assert api.log[:2] == ["LIST " + NETWORKS_LIST, "LIST " + ROUTERS_LIST]


def test_a_router_the_record_names_is_not_added_twice_and_other_routers_are_left_alone():
    api = CleanupApi(listing=network_listing())
    result = run(dict(networks=["net-1"], routers=["rt-auto"]), api)
    assert api.deletes() == [path("routers", "rt-auto"), path("networks", "net-1")]
    assert result["made_with"] == {}


def test_a_router_already_being_deleted_is_not_deleted_again():
    api = CleanupApi(listing=network_listing(router_status="DELETING"))
    run(dict(networks=["net-1"]), api)
    assert api.deletes() == [path("networks", "net-1")]


def test_no_network_no_router_lookup():
    api = CleanupApi(listing=network_listing())
    run(dict(volumes=["vol-1"]), api)
    assert not [entry for entry in api.log if entry.startswith("LIST")]


def test_a_failing_network_list_adds_nothing_and_leaves_a_warning():
    listing = dict(network_listing(), **{NETWORKS_LIST: gcore_error(500, method="GET", path=NETWORKS_LIST)})
    api = CleanupApi(listing=listing)
    plan = plan_cleanup(record_from(dict(networks=["net-1"])), 1, 76)
    cleanup = Cleanup(api, rank_wait(api, dict(wait_sleep=None, progress_interval=0)), 600.0, 60.0,
                      sleep=api.sleep, rand=lambda: 0.5)
    cleanup.run(plan)
    assert api.deletes() == [path("networks", "net-1")]
    (warning,) = cleanup.warnings
    assert "routers made with the networks of project 1, region 76" in warning and "refused" in warning


def test_check_mode_reads_the_router_made_with_a_network_too():
    api = CleanupApi(listing=network_listing())
    result = run(dict(networks=["net-1"]), api, check_mode=True)
    assert api.deletes() == []
    assert result["would_delete"] == dict(routers=["rt-auto"], networks=["net-1"])


# ------------------------------------------------------- what the record's own tasks created


class Liveness(object):
    """What the wait engine takes from a real client's liveness: its sleeps (here on the fake clock)."""

    def __init__(self, sleep):
        self.sleep = sleep


def settle(record, api, check_mode=False, timeout=600.0):
    """add_created_by_tasks() as the module runs it: one round to read, the wait engine to wait
    (its sleeps, through the client's liveness, on the fake clock)."""
    api.liveness = Liveness(sleep=api.sleep)
    wait = rank_wait(api, dict(wait_sleep=None, progress_interval=0))
    return add_created_by_tasks(record_from(record), api, wait, timeout, check_mode)[:4]


def test_a_create_still_running_when_its_wait_gave_up_is_waited_for_and_what_it_made_is_added():
    api = CleanupApi()
    running = api.add(30.0, project_id=3, region_id=4)
    record, added, still, warnings = settle(dict(created_resources={}, task_ids=[running]), api)
    assert added == {"volumes": ["vol-" + running[:8]]} and still == [] and warnings == []
    assert record["created_resources"]["volumes"] == ["vol-" + running[:8]]
    assert record["scopes"]["vol-" + running[:8]] == {"project_id": 3, "region_id": 4}
    assert api.now >= 30.0


def test_a_finished_create_whose_id_the_input_lacks_is_added_without_waiting():
    api = CleanupApi()
    done = api.add(0.0)
    named = api.add(0.0)
    record = dict(created_resources={"volumes": ["vol-" + named[:8]]}, task_ids=[done, named])
    record, added, still, _warnings = settle(record, api)
    assert added == {"volumes": ["vol-" + done[:8]]} and still == []
    assert record["created_resources"]["volumes"] == ["vol-" + named[:8], "vol-" + done[:8]]


def test_check_mode_reads_the_tasks_but_waits_for_none():
    api = CleanupApi()
    running = api.add(30.0)
    _record, added, still, _warnings = settle(dict(task_ids=[running]), api, check_mode=True)
    assert added == {} and still == [running] and api.now < 30.0


def test_a_create_that_outlasts_wait_timeout_is_still_creating_and_a_delete_task_is_not_waited_for():
    api = CleanupApi()
    endless = api.add(None)
    deleting = api.add(None, task_type="delete_volume")
    _record, added, still, _warnings = settle(dict(task_ids=[endless, deleting]), api, timeout=5.0)
    assert added == {} and still == [endless]


def test_tasks_that_cannot_be_read_leave_the_record_as_it_is_with_a_warning():
    api = CleanupApi()
    record = dict(created_resources={"volumes": ["vol-1"]}, task_ids=["66666666-6666-4666-8666-666666666666"])
    settled, added, still, warnings = settle(record, api)
    assert settled == record_from(record) and added == {} and still == []
    (warning,) = warnings
    assert "the tasks of created could not be read" in warning


def test_the_failure_message_names_creates_still_running():
    result = dict(failed_resources=[], not_started={}, still_creating=["t-1"])
    assert "1 create task(s) of created still running at wait_timeout" in failure_message(result)
    assert "t-1" in failure_message(result)


def test_a_task_is_cleared_once_every_id_it_created_is_gone_and_not_before():
    from ansible_collections.gcore.tasks.plugins.module_utils._cleanup import cleared_tasks
    tasks = {
        "t-all": dict(state="FINISHED", created_resources=dict(instances=["i1"], ports=["p1"], projects=[7])),
        "t-part": dict(state="FINISHED", created_resources=dict(volumes=["v1", "v2"])),
        "t-error": dict(state="ERROR", created_resources=None),
        "t-running": dict(state="RUNNING", created_resources=None),
    }
    result = dict(deleted=dict(instances=["i1"], volumes=["v1"]), already_gone={}, with_parent=dict(ports=["p1"]))
    assert sorted(cleared_tasks(tasks, result)) == ["t-all", "t-error"]
