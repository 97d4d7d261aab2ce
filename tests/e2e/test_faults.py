# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fault matrix: every fault the API or the network can throw at the modules.

Each case runs a real module process against the sandbox with a fault queued, and checks
that the modules retry only where retrying is right, a bounded number of times, fail with a
one-line message carrying status, exception_class, message and request_id, and never lose
an ID that a task already created. Two cases go through ansible-playbook to show what a
playbook (its rescue block) gets.

Nothing here asserts how long a run took on this machine: the bounds are request counts, the
messages, lower bounds (a retry no earlier than Retry-After) and, where the point is that the
module does not wait for an answer, a hang (NEVER) far longer than the run's own timeout.
"""

import datetime
import email.utils
import time

import pytest

from gcore_e2e import assert_one_line_api_error, base_args, finish_module, run_module, start_module

GET_ONE = "GET /cloud/v1/tasks/{task_id}"
LIST = "GET /cloud/v1/tasks"
ACK_ONE = "POST /cloud/v1/tasks/{task_id}/acknowledge"
HTML_503 = "<html><head><title>503 Service Temporarily Unavailable</title></head><body><h1>503 Service " \
           "Temporarily Unavailable</h1><hr><center>nginx</center></body></html>"
HTML_502 = "<html><body><h1>502 Bad Gateway</h1>The server returned an invalid or incomplete response.</body></html>"
HTML_504 = "<html><body><h1>504 Gateway Time-out</h1>The server didn't respond in time.</body></html>"
# A "hang" fault that outlasts every run's timeout: a module that waited for the answer would
# never finish (run_module kills it after 60 s and the test fails); the sandbox ends it on stop.
NEVER = 600.0
THROTTLED = {"exception_class": "Throttled", "message": "Request was throttled.", "request_id": "req-429-body"}


def request_times(sandbox):
    return [datetime.datetime.fromisoformat(entry["time"]) for entry in sandbox.requests()]


def finished_task(sandbox, **spec):
    spec.setdefault("duration", 0)
    task_id = sandbox.add_task(**spec)
    sandbox.reset_counters()
    return task_id


# ----------------------------------------------------------------- retried, then answered


@pytest.mark.parametrize("fault", [
    pytest.param(dict(status=502, body=HTML_502, content_type="text/html"), id="502-html"),
    pytest.param(dict(status=503, body=HTML_503, content_type="text/html"), id="503-html"),
    pytest.param(dict(status=504, body=HTML_504, content_type="text/html"), id="504-html"),
    pytest.param(dict(status=429, body=THROTTLED), id="429-no-retry-after"),
    pytest.param(dict(action="reset"), id="connection-reset"),
    pytest.param(dict(action="hang", latency=NEVER), id="read-timeout"),
    pytest.param(dict(action="truncate", body={"id": "x" * 200}), id="truncated-body"),
])
def test_a_transient_fault_is_retried_once_and_the_read_succeeds(sandbox, collections_path, fault):
    task_id = finished_task(sandbox)
    sandbox.add_fault(route=GET_ONE, times=1, **fault)
    run = run_module(collections_path, "gcore_task_info",
                     base_args(sandbox, task_ids=[task_id], api_timeout=0.5, api_retries=2))
    assert not run.failed, run
    assert [task["id"] for task in run.result["tasks"]] == [task_id]
    assert sandbox.counters()["routes"] == {GET_ONE: 2}, "one failed attempt, one retry"


@pytest.mark.parametrize("retry_after", ["seconds", "http-date"])
def test_429_retry_after_is_honoured_in_seconds_and_as_an_http_date(sandbox, collections_path, retry_after):
    task_id = finished_task(sandbox)
    not_before = int(time.time()) + 3
    value = "1" if retry_after == "seconds" else email.utils.formatdate(not_before, usegmt=True)
    sandbox.add_fault(route=GET_ONE, status=429, body=THROTTLED, headers={"Retry-After": value}, times=1)
    run = run_module(collections_path, "gcore_task_info", base_args(sandbox, task_ids=[task_id]))
    assert not run.failed, run
    first, second = request_times(sandbox)
    if retry_after == "seconds":
        assert (second - first).total_seconds() >= 0.95, "the retry came before Retry-After"
    else:
        retried_at = second.replace(tzinfo=datetime.timezone.utc).timestamp()
        assert retried_at >= not_before - 0.05, "the retry came before the Retry-After date"


# ---------------------------------------------------------- retried, bounded, then a clear error


@pytest.mark.parametrize("fault, status, exception_class, contains", [
    pytest.param(dict(status=503, body=HTML_503, content_type="text/html"), 503, None,
                 ["not a Gcore error", "text/html", "503 Service Temporarily Unavailable"], id="503-html"),
    pytest.param(dict(status=502, body=HTML_502, content_type="text/html"), 502, None,
                 ["502 Bad Gateway"], id="502-html"),
    pytest.param(dict(status=504, body=HTML_504, content_type="text/html"), 504, None,
                 ["504 Gateway Time-out"], id="504-html"),
    pytest.param(dict(status=429, body=THROTTLED, headers={"Retry-After": "0"}), 429, "Throttled",
                 ["Request was throttled."], id="429-json"),
    pytest.param(dict(status=500, body=None), 500, "InternalServerError", ["Sandbox fault: HTTP 500"], id="500-json"),
])
def test_a_lasting_retryable_status_is_tried_api_retries_plus_one_times(
        sandbox, collections_path, fault, status, exception_class, contains):
    task_id = finished_task(sandbox)
    sandbox.add_fault(route=GET_ONE, times=None, **fault)
    # A 429 is retried by time (api_throttle_timeout); 0 counts it like the other statuses.
    run = run_module(collections_path, "gcore_task_info", base_args(sandbox, task_ids=[task_id], api_retries=2,
                                                                    api_throttle_timeout=0))
    assert sandbox.counters()["total"] == 3, "api_retries=2 means three attempts in all"
    failure = assert_one_line_api_error(run, status=status, exception_class=exception_class, contains=contains)
    assert failure["method"] == "GET" and failure["path"] == "/cloud/v1/tasks/" + task_id
    if fault.get("body") == THROTTLED:
        assert failure["request_id"] == "req-429-body", "the body's request_id wins over the header's"


@pytest.mark.parametrize("fault, contains", [
    pytest.param(dict(action="reset"), "connection failed", id="connection-reset"),
    pytest.param(dict(action="hang", latency=NEVER), "no answer within 0.4s", id="read-timeout"),
    pytest.param(dict(action="truncate", body={"id": "x" * 200}), ("cut off", "IncompleteRead", "connection"),
                 id="truncated-body"),
])
def test_a_lasting_network_fault_is_tried_api_retries_plus_one_times(sandbox, collections_path, fault, contains):
    task_id = finished_task(sandbox)
    sandbox.add_fault(route=GET_ONE, times=None, **fault)
    run = run_module(collections_path, "gcore_task_info",
                     base_args(sandbox, task_ids=[task_id], api_timeout=0.4, api_retries=1))
    assert sandbox.counters()["total"] == 2, "api_retries=1 means two attempts in all"
    assert_one_line_api_error(run, status=None, request_id=False, contains=[contains, "/cloud/v1/tasks/" + task_id])


def test_a_post_acknowledge_is_retried_on_503_because_acknowledging_twice_is_harmless(sandbox, collections_path):
    task_id = finished_task(sandbox)
    sandbox.add_fault(route=ACK_ONE, status=503, body=HTML_503, content_type="text/html", times=1)
    run = run_module(collections_path, "gcore_task_ack", base_args(sandbox, task_ids=[task_id]))
    assert not run.failed and run.result["changed"] is True, run
    assert sandbox.counters()["routes"] == {GET_ONE: 1, ACK_ONE: 2}
    assert sandbox.task(task_id)["acknowledged_at"]


# --------------------------------------------------------------------- never retried


def test_401_wrong_key_is_not_retried(sandbox, collections_path):
    task_id = finished_task(sandbox)
    run = run_module(collections_path, "gcore_task_info",
                     base_args(sandbox, task_ids=[task_id], api_key="not-the-key-0000"))
    assert sandbox.counters()["total"] == 1
    assert_one_line_api_error(run, status=401, exception_class="NotAuthenticated")


def test_401_on_acknowledge_is_not_retried(sandbox, collections_path):
    task_id = finished_task(sandbox)
    sandbox.add_fault(route=ACK_ONE, status=401, times=None,
                      body={"exception_class": "NotAuthenticated", "message": "Token revoked.", "request_id": "r-401"})
    run = run_module(collections_path, "gcore_task_ack", base_args(sandbox, task_ids=[task_id]))
    assert sandbox.counters()["routes"] == {GET_ONE: 1, ACK_ONE: 1}
    assert_one_line_api_error(run, status=401, exception_class="NotAuthenticated", request_id="r-401",
                              contains=["Token revoked."])


def test_no_key_at_all_fails_before_any_request(sandbox, collections_path):
    args = base_args(sandbox, task_ids=[finished_task(sandbox)])
    del args["api_key"]
    run = run_module(collections_path, "gcore_task_info", args)
    assert run.failed and "api_key" in run.msg, run
    assert sandbox.counters()["total"] == 0


def test_403_is_not_retried(sandbox, collections_path):
    task_id = finished_task(sandbox)
    sandbox.add_fault(route=LIST, status=403, times=None, body={
        "exception_class": "PermissionDenied", "message": "You do not have access to project 7.",
        "request_id": "req-403"})
    run = run_module(collections_path, "gcore_task_info", base_args(sandbox, project_id=[7]))
    assert sandbox.counters()["total"] == 1
    assert_one_line_api_error(run, status=403, exception_class="PermissionDenied", request_id="req-403",
                              contains=["You do not have access to project 7."])
    assert task_id not in run.stdout


def test_404_unknown_task_is_not_retried_and_is_named(sandbox, collections_path):
    run = run_module(collections_path, "gcore_task_info",
                     base_args(sandbox, task_ids=["00000000-0000-4000-8000-000000000000"]))
    assert sandbox.counters()["total"] == 1
    assert run.failed and run.msg.startswith("1 task(s) not found: 00000000-0000-4000-8000-000000000000. "), run
    assert "None is known at %s/cloud/v1/tasks/00000000-0000-4000-8000-000000000000. Check api_url (%s)" % (
        sandbox.url, sandbox.url) in run.msg
    assert run.result["failure"]["status"] == 404 and run.result["failure"]["exception_class"] == "TaskNotFound"
    assert run.result["failure"]["request_id"]


def test_a_200_that_is_not_json_is_a_clear_error_not_a_traceback(sandbox, collections_path):
    task_id = finished_task(sandbox)
    sandbox.add_fault(route=GET_ONE, status=200, body="<html>Please log in to the corporate proxy</html>",
                      content_type="text/html", times=None)
    run = run_module(collections_path, "gcore_task_info", base_args(sandbox, task_ids=[task_id]))
    assert sandbox.counters()["total"] == 1
    assert_one_line_api_error(run, status=200, contains=["not JSON", "text/html", "Please log in"])


# ------------------------------------------------------------------ faults during a wait


def test_503_during_a_wait_is_tolerated_and_the_wait_still_completes(sandbox, collections_path):
    ids = sandbox.add_tasks([{"duration": 1.0}, {"duration": 1.0, "task_type": "create_vm"}])
    sandbox.add_fault(route="*", status=503, body=HTML_503, content_type="text/html", times=4)
    run = run_module(collections_path, "gcore_task_wait",
                     base_args(sandbox, task_ids=ids, api_retries=1, wait_timeout=15, wait_sleep=0.3))
    assert not run.failed, run
    assert sorted(run.result["created_resources"]) == ["instances", "volumes"]


def test_a_lasting_503_ends_the_wait_at_its_deadline_keeping_every_created_id(sandbox, collections_path):
    done = sandbox.add_task(duration=0, task_type="create_volume")
    stuck = sandbox.add_task(duration=None, task_type="create_vm")
    sandbox.reset_counters()
    sandbox.add_fault(route=GET_ONE, status=503, body=HTML_503, content_type="text/html", times=None)
    run = run_module(collections_path, "gcore_task_wait",
                     base_args(sandbox, task_ids=[done, stuck], api_retries=1, wait_timeout=2, wait_sleep=0.4))
    result = run.result
    assert run.failed, run
    assert result["msg"].startswith("Timed out after 2.0s: 1 of 2 task(s) not finished: %s" % stuck), run
    assert "Last API error: GET /cloud/v1/tasks/%s failed: HTTP 503" % stuck in result["msg"]
    assert "\n" not in result["msg"]
    assert result["failure"]["status"] == 503 and result["failure"]["request_id"]
    assert result["created_resources"] == {"volumes": sandbox.task(done)["created_resources"]["volumes"]}
    assert result["pending_tasks"] == [{"id": stuck, "task_type": "create_vm", "state": "RUNNING", "error": None}]
    routes = sandbox.counters()["routes"]
    assert routes[LIST] == 1, "the reads by ID failed: one list request finds both tasks"
    assert routes[GET_ONE] % 2 == 0 and 2 <= routes[GET_ONE] <= 2 * 8, "each round: one try and one retry"
    assert result["elapsed"] > 1.9, run


def test_a_401_during_a_wait_stops_it_at_once_keeping_every_created_id(sandbox, collections_path):
    done = sandbox.add_task(duration=0, task_type="create_network")
    stuck = sandbox.add_task(duration=None, task_type="create_vm")
    sandbox.reset_counters()
    sandbox.add_fault(route=GET_ONE, status=401, times=None, body={
        "exception_class": "NotAuthenticated", "message": "API key revoked.", "request_id": "req-revoked"})
    run = run_module(collections_path, "gcore_task_wait",
                     base_args(sandbox, task_ids=[done, stuck], wait_timeout=30, wait_sleep=0.2))
    # Each task read once by ID (no retry), then one list so the result keeps what the finished task created.
    assert sandbox.counters()["routes"] == {LIST: 1, GET_ONE: 2}, "a 401 is neither retried nor tolerated"
    assert_one_line_api_error(run, status=401, exception_class="NotAuthenticated", request_id="req-revoked",
                              contains=["API key revoked."])
    result = run.result
    assert result["created_resources"] == {"networks": sandbox.task(done)["created_resources"]["networks"]}
    assert result["pending_tasks"][0]["id"] == stuck
    assert "ansible_facts" not in result, "facts are only set on success; a rescue reads the registered result"


def test_a_task_vanishing_while_waited_on_is_a_failed_task_and_finished_ones_keep_their_ids(
        sandbox, collections_path):
    done = sandbox.add_task(duration=0, task_type="create_subnet")
    going = sandbox.add_task(duration=None, task_type="create_vm")
    sandbox.reset_counters()
    handle = start_module(collections_path, "gcore_task_wait",
                          base_args(sandbox, task_ids=[done, going], wait_timeout=20, wait_sleep=0.2))
    deadline = time.monotonic() + 15
    while sandbox.counters()["total"] < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sandbox.vanish(going)
    run = finish_module(handle, timeout=30)
    result = run.result
    assert run.failed, run
    assert result["msg"].startswith("1 of 2 task(s) failed: %s (create_vm, RUNNING): the API no longer knows this "
                                    "task: GET /cloud/v1/tasks/%s failed: HTTP 404 TaskNotFound" % (going, going)), run
    assert "\n" not in result["msg"] and "created_resources" in result["msg"]
    assert [task["id"] for task in result["failed_tasks"]] == [going]
    assert result["created_resources"] == {"subnets": sandbox.task(done)["created_resources"]["subnets"]}


def test_an_unknown_task_in_a_wait_fails_at_once_without_retrying(sandbox, collections_path):
    unknown = "00000000-0000-4000-8000-000000000001"
    run = run_module(collections_path, "gcore_task_wait",
                     base_args(sandbox, task_ids=[unknown], wait_timeout=30, wait_sleep=0.2))
    assert sandbox.counters()["total"] == 1
    assert run.failed and unknown in run.msg and "HTTP 404 TaskNotFound" in run.msg, run
    assert run.result["failed_tasks"][0]["id"] == unknown and run.result["created_resources"] == {}


def test_a_task_going_straight_to_error_with_null_created_resources(sandbox, collections_path):
    ok = sandbox.add_task(duration=0, task_type="create_fip")
    bad = sandbox.add_task(duration=0, outcome="ERROR", task_type="create_vm", error="Quota exceeded: cores 4 of 4")
    sandbox.reset_counters()
    run = run_module(collections_path, "gcore_task_wait",
                     base_args(sandbox, task_ids=[ok, bad], wait_timeout=30, wait_sleep=0.2))
    result = run.result
    assert run.failed and sandbox.counters()["total"] == 2, "each task read once by ID"
    assert result["msg"] == ("1 of 2 task(s) failed: %s (create_vm, ERROR): Quota exceeded: cores 4 of 4. The IDs the "
                             "other tasks created are in created_resources." % bad)
    assert result["failed_tasks"] == [{"id": bad, "task_type": "create_vm", "state": "ERROR",
                                       "error": "Quota exceeded: cores 4 of 4"}]
    assert [task.get("created_resources") for task in result["tasks"] if task["id"] == bad] == [None]
    assert result["created_resources"] == {"floatingips": sandbox.task(ok)["created_resources"]["floatingips"]}


def test_a_wait_never_overruns_its_deadline_by_more_than_one_round_of_retries(sandbox, collections_path):
    task_id = sandbox.add_task(duration=None)
    sandbox.reset_counters()
    sandbox.add_fault(route="*", action="hang", latency=NEVER, times=None)
    run = run_module(collections_path, "gcore_task_wait",
                     base_args(sandbox, task_ids=[task_id], api_timeout=0.5, api_retries=1, wait_timeout=1,
                               wait_sleep=0.2))
    assert run.failed and run.msg.startswith("Timed out after 1.0s"), run
    assert "no answer within 0.5s" in run.msg and run.result["failure"]["status"] is None
    # Every attempt takes api_timeout (0.5 s of the module's own clock): within wait_timeout 1 that is
    # at most 2 attempts, plus the retry of the round in flight; none after the deadline.
    assert 1 <= sandbox.counters()["total"] <= 3, sandbox.counters()


# ------------------------------------------------------------- what a playbook's rescue gets

RESCUE = """
- name: Wait and clean up on failure
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Guarded wait
      block:
        - name: Wait
          gcore.tasks.gcore_task_wait:
            task_ids: "{{ ids }}"
            wait_timeout: 2
            wait_sleep: 0.4
            api_retries: 1
      rescue:
        - name: Clean up what was created
          ansible.builtin.debug:
            msg:
              volumes: "{{ ansible_failed_result.created_resources.volumes | default([]) }}"
              message: "{{ ansible_failed_result.msg }}"
              status: "{{ ansible_failed_result.failure.status | default(none) }}"
"""


def test_a_rescue_block_gets_the_created_ids_and_the_api_error_of_a_failed_wait(run_playbook, sandbox):
    done = sandbox.add_task(duration=0)
    stuck = sandbox.add_task(duration=None, task_type="create_k8s_cluster_v2")
    sandbox.add_fault(route=GET_ONE, status=504, body=HTML_504, content_type="text/html", times=None)
    run = run_playbook(RESCUE, extra_vars={"ids": [done, stuck]})
    assert run.rc == 0, run.stdout + run.stderr
    rescued = run.result("Clean up what was created")["result"]["msg"]
    assert rescued["volumes"] == sandbox.task(done)["created_resources"]["volumes"]
    assert rescued["status"] == 504
    assert "Timed out" in rescued["message"] and "HTTP 504" in rescued["message"] and stuck in rescued["message"]
