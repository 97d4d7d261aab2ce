# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One host, the faults a fleet meets (issue #18, points 2, 4, 6 and 7): throttling, upper-case task IDs,
acknowledgements at scale and under a revoked key, redirects. Each module runs as one process."""

from gcore_e2e import base_args, run_module

VOLUMES = "/cloud/v1/volumes/{project_id}/{region_id}"
CREATE_ROUTE = "POST /cloud/v1/volumes/{project_id}/{region_id}"
TASK_ROUTE = "GET /cloud/v1/tasks/{task_id}"
ACK_ROUTE = "POST /cloud/v1/tasks/{task_id}/acknowledge"


def volume(name):
    return dict(source="new-volume", name=name, size=1)


def create(sandbox, collections_path, **args):
    args = dict(dict(method="POST", path=VOLUMES, project_id=1, region_id=76, body=volume("one"), wait_sleep=0.2,
                     wait_timeout=30), **args)
    args = dict((name, value) for name, value in args.items() if value is not None)
    return run_module(collections_path, "gcore_request", base_args(sandbox, **args))


# ---------------------------------------------------------------- 429

def test_a_write_throttled_longer_than_the_retry_count_is_retried_until_it_passes(sandbox, collections_path):
    sandbox.add_fault(route=CREATE_ROUTE, status=429, headers={"Retry-After": "0"}, times=4)
    run = create(sandbox, collections_path)  # api_retries is 2 here: the count alone would give up
    assert not run.failed, run
    assert run.result["changed"] is True and run.result["results"][0]["sent"] is True
    assert sandbox.counters()["routes"][CREATE_ROUTE] == 5
    assert len(run.result["created_resources"]["volumes"]) == 1


def test_a_write_throttled_past_api_throttle_timeout_is_not_sent_and_changes_nothing(sandbox, collections_path):
    sandbox.add_fault(route=CREATE_ROUTE, status=429, headers={"Retry-After": "0"}, times=None)
    run = create(sandbox, collections_path, api_throttle_timeout=1)
    assert run.failed, run
    assert run.result["changed"] is False, "a write the API refused with 429 was not acted on"
    (call,) = run.result["results"]
    assert call["sent"] is False and call["status"] == 429 and call["maybe_processed"] is False, call
    assert run.result["failure"]["status"] == 429 and "429" in run.msg
    assert "api_throttle_timeout" in run.msg, "the message names the option that bounds the retries"
    assert sandbox.counters()["routes"][CREATE_ROUTE] >= 2, "a 429 is retried"


def test_reads_of_a_wait_are_retried_through_a_long_throttle(sandbox, collections_path):
    task_id = sandbox.add_task(duration=0.2)
    sandbox.add_fault(route=TASK_ROUTE, status=429, headers={"Retry-After": "0"}, times=4)
    run = run_module(collections_path, "gcore_task_wait", base_args(sandbox, task_ids=[task_id], wait_sleep=0.2,
                                                                    wait_timeout=60, api_retries=0))
    assert not run.failed, run
    assert run.result["tasks"][0]["state"] == "FINISHED"


def test_api_throttle_timeout_must_not_be_negative(sandbox, collections_path):
    run = create(sandbox, collections_path, api_throttle_timeout=-1)
    assert run.failed and "api_throttle_timeout" in run.msg, run
    assert sandbox.counters()["total"] == 0


# ---------------------------------------------------------------- task ID spelling

def test_upper_case_task_ids_of_the_api_are_returned_in_one_spelling(sandbox, collections_path):
    sandbox.configure(upper_task_ids=True)
    run = create(sandbox, collections_path, bodies=[volume("u-1"), volume("u-2")], body=None)
    assert not run.failed, run
    task_ids = run.result["task_ids"]
    assert task_ids == [task_id.lower() for task_id in task_ids]
    assert sorted(run.result["created_resources_by_task"]) == sorted(task_ids)
    assert sorted(task["id"] for task in run.result["tasks"]) == sorted(task_ids)
    assert run.result["created_resources_by_task"][task_ids[0]]["volumes"]
    assert [call["task_ids"] for call in run.result["results"]] == [[task_id] for task_id in task_ids]


def test_a_wait_given_upper_case_ids_returns_them_in_lower_case(sandbox, collections_path):
    task_id = sandbox.add_task(duration=0.1)
    run = run_module(collections_path, "gcore_task_wait", base_args(sandbox, task_ids=[task_id.upper()],
                                                                    wait_sleep=0.2))
    assert not run.failed, run
    assert run.result["ansible_facts"]["gcore_task_ids"] == [task_id.lower()]
    assert list(run.result["created_resources_by_task"]) == [task_id.lower()]
    assert run.result["tasks"][0]["id"] == task_id.lower()


# ---------------------------------------------------------------- gcore_task_ack

def test_a_thousand_acknowledgements_go_out_concurrently_over_a_few_connections(sandbox, collections_path):
    task_ids = sandbox.add_tasks([{"duration": 0}] * 1000)
    sandbox.configure(latency=0.005)
    run = run_module(collections_path, "gcore_task_ack", base_args(sandbox, task_ids=task_ids), timeout=120)
    assert not run.failed, run
    assert run.result["changed"] is True and len(run.result["tasks"]) == 1000
    assert all(sandbox.task(task_id)["acknowledged_at"] for task_id in task_ids)
    acks = [entry for entry in sandbox.timeline() if entry["route"] == ACK_ROUTE]
    assert len(acks) == 1000, "each task is acknowledged once"
    connections = set(entry["client"] for entry in acks)
    assert 2 <= len(connections) <= 8, "acknowledgements are sent concurrently on a bounded pool: %d" % len(connections)


def test_a_key_revoked_during_acknowledgements_reports_those_acknowledged_before(sandbox, collections_path):
    task_ids = sandbox.add_tasks([{"duration": 0}] * 30)
    sandbox.add_fault(route=ACK_ROUTE, status=401, times=None, after=20)  # the key is revoked after 20 acks
    run = run_module(collections_path, "gcore_task_ack", base_args(sandbox, task_ids=task_ids, api_retries=0))
    assert run.failed and run.result["failure"]["status"] == 401, run
    acknowledged = sorted(task_id for task_id in task_ids if sandbox.task(task_id)["acknowledged_at"])
    assert len(acknowledged) == 20
    assert run.result["changed"] is True
    assert sorted(task["id"] for task in run.result["tasks"]) == acknowledged, "the result lists what was acknowledged"
    assert "20 of 30" in run.msg, run.msg


# ---------------------------------------------------------------- redirects

def test_a_write_answered_with_a_redirect_names_its_location_and_is_not_processed(sandbox, collections_path):
    sandbox.add_fault(route=CREATE_ROUTE, status=301, times=None,
                      headers={"Location": "https://user:pw@api.example.test/cloud/v1/volumes/1/76?token=SECRET"})
    run = create(sandbox, collections_path)
    assert run.failed, run
    assert "https://api.example.test/cloud/v1/volumes/1/76" in run.msg and "SECRET" not in run.stdout, run.msg
    assert "pw@" not in run.stdout
    assert "api_url" in run.msg, "the message says what usually causes it"
    assert run.result["changed"] is False
    (call,) = run.result["results"]
    assert call["sent"] is False and call["maybe_processed"] is False and call["status"] == 301, call
    assert sandbox.counters()["routes"][CREATE_ROUTE] == 1, "a redirected write is neither followed nor repeated"


def test_a_read_answered_with_a_temporary_redirect_names_its_location(sandbox, collections_path):
    task_id = sandbox.add_task(duration=0)
    sandbox.add_fault(route=TASK_ROUTE, status=307, times=None, headers={"Location": "https://elsewhere.test/x"})
    run = run_module(collections_path, "gcore_task_wait", base_args(sandbox, task_ids=[task_id], wait_timeout=5))
    assert run.failed and "307" in run.msg and "https://elsewhere.test/x" in run.msg, run
