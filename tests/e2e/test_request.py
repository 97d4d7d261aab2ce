# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""gcore_request end to end against the sandbox: calls, batches, check mode, failures, placeholders, paths."""

import json
import socket

import pytest
import requests

from gcore_e2e import API_KEY, assert_one_line_api_error, base_args, run_module

VOLUMES = "/cloud/v1/volumes/{project_id}/{region_id}"
CREATE_ROUTE = "POST /cloud/v1/volumes/{project_id}/{region_id}"
UUID_LEN = 36


def volume(name, **extra):
    return dict(source="new-volume", name=name, size=1, **extra)


def request(sandbox, collections_path, env=None, **args):
    args.setdefault("wait_sleep", 0.3)
    args.setdefault("wait_timeout", 30)
    return run_module(collections_path, "gcore_request", base_args(sandbox, **args), env=env)


def test_one_body_is_sent_once_and_its_task_waited_with_the_created_id_returned(sandbox, collections_path):
    run = request(sandbox, collections_path, method="POST", path=VOLUMES, project_id=7, region_id=76,
                  body=volume("data-1"))
    assert not run.failed, run
    result = run.result
    assert result["changed"] is True
    assert result["status"] == 200 and result["json"]["tasks"] == result["task_ids"]
    (task_id,) = result["task_ids"]
    (call,) = result["results"]
    assert call == dict(index=0, sent=True, status=200, task_ids=[task_id]), "json only repeated task_ids"
    assert (result["method"], result["path"], result["project_id"], result["region_id"]) == (
        "POST", "/cloud/v1/volumes/7/76", 7, 76), "said once for every call"
    assert result["tasks"] == [dict(id=task_id, task_type="create_volume", state="FINISHED")], \
        "the body (data) and the path's project and region are not repeated per task"
    assert result["tasks"][0]["state"] == "FINISHED"
    (volume_id,) = result["created_resources"]["volumes"]
    assert result["created_resources_by_task"] == {task_id: {"volumes": [volume_id]}}
    assert result["failed_tasks"] == result["pending_tasks"] == []
    assert result["ansible_facts"]["gcore_created_resources"] == {"volumes": [volume_id]}
    assert result["ansible_facts"]["gcore_task_ids"] == [task_id]
    assert sandbox.counters()["routes"][CREATE_ROUTE] == 1 and sandbox.counters()["writes"] == 1


def test_bodies_are_one_post_each_on_a_few_keep_alive_connections_with_results_in_body_order(
        sandbox, collections_path):
    sandbox.configure(latency=0.05)
    names = ["vol-%02d" % index for index in range(24)]
    run = request(sandbox, collections_path, method="POST", path=VOLUMES, project_id=1, region_id=76,
                  bodies=[volume(name) for name in names])
    assert not run.failed, run
    results = run.result["results"]
    assert [call["index"] for call in results] == list(range(24))
    assert all("body" not in call for call in results), "bodies are not echoed back outside check mode"
    by_task = run.result["created_resources_by_task"]
    created = dict((item["id"], item["name"]) for item in sandbox.resources(kind="volumes"))
    assert [created[by_task[call["task_ids"][0]]["volumes"][0]] for call in results] == names
    assert run.result["task_ids"] == [call["task_ids"][0] for call in results]
    assert len(run.result["created_resources"]["volumes"]) == 24
    posts = [entry for entry in sandbox.requests() if entry["method"] == "POST"]
    assert len(posts) == 24 and sorted(json.loads(entry["body"])["name"] for entry in posts) == names
    assert len(set(entry["client"] for entry in posts)) <= 8, "one keep-alive pool of at most 8 connections"
    assert "json" not in run.result, "json is the answer of a single body only"


def test_the_wait_is_seeded_with_project_region_and_time_so_no_round_reads_the_whole_account(
        sandbox, collections_path):
    sandbox.add_tasks([{"duration": 0, "project_id": 9, "region_id": 9}] * 50)
    run = request(sandbox, collections_path, method="POST", path=VOLUMES, project_id=1, region_id=76,
                  bodies=[volume("seeded-%d" % index) for index in range(5)])
    assert not run.failed, run
    assert len(run.result["created_resources"]["volumes"]) == 5
    reads = [entry for entry in sandbox.requests() if entry["method"] == "GET"]
    assert reads[0]["path"] == "/cloud/v1/tasks/1/76/active", reads[0]
    for entry in reads:
        assert entry["route"] != "GET /cloud/v1/tasks" or "project_id=1" in entry["query"], entry


def test_check_mode_sends_no_write_and_shows_each_body_with_secrets_masked(sandbox, collections_path):
    run = request(sandbox, collections_path, method="POST", path=VOLUMES, project_id=1, region_id=76,
                  bodies=[volume("a-1", password="pw-SECRET-1"), volume("a-2", user_data="ud-SECRET-2")],
                  _ansible_check_mode=True)
    assert not run.failed, run
    assert run.result["changed"] is True
    assert sandbox.counters()["total"] == 0
    first, second = run.result["results"]
    assert (run.result["method"], run.result["path"], first["sent"]) == ("POST", "/cloud/v1/volumes/1/76", False)
    assert first["body"]["name"] == "a-1" and first["body"]["password"] == "********"
    assert second["body"]["user_data"] == "********"
    assert run.result["task_ids"] == [] and "created_resources" not in run.result
    assert "SECRET" not in run.stdout + run.stderr


def test_check_mode_still_runs_a_get(sandbox, collections_path):
    request(sandbox, collections_path, method="POST", path=VOLUMES, project_id=1, region_id=76, body=volume("seen"))
    sandbox.reset_counters()
    run = request(sandbox, collections_path, path=VOLUMES, project_id=1, region_id=76, _ansible_check_mode=True)
    assert not run.failed, run
    assert run.result["changed"] is False and run.result["json"]["count"] == 1
    assert sandbox.counters()["routes"] == {"GET /cloud/v1/volumes/{project_id}/{region_id}": 1}


def test_a_get_is_never_changed_sends_lists_as_repeated_keys_and_is_not_waited(sandbox, collections_path):
    sandbox.add_tasks([{"duration": None}, {"duration": 0}])
    run = request(sandbox, collections_path, path="/cloud/v1/tasks",
                  query={"state": ["NEW", "RUNNING"], "is_acknowledged": False, "limit": 5})
    assert not run.failed, run
    assert run.result["changed"] is False and run.result["json"]["count"] == 1
    assert run.result["task_ids"] == [] and "created_resources" not in run.result
    (entry,) = sandbox.requests()
    assert entry["query"] == "state=NEW&state=RUNNING&is_acknowledged=false&limit=5"


def test_wait_false_returns_the_task_ids_without_reading_any_task(sandbox, collections_path):
    run = request(sandbox, collections_path, method="POST", path=VOLUMES, project_id=1, region_id=76,
                  body=volume("later"), wait=False)
    assert not run.failed, run
    assert len(run.result["task_ids"]) == 1 and len(run.result["task_ids"][0]) == UUID_LEN
    assert "created_resources" not in run.result and "ansible_facts" not in run.result
    assert sandbox.counters()["routes"] == {CREATE_ROUTE: 1}


def test_a_rejected_call_stops_the_batch_and_the_accepted_calls_ids_come_back_waited(sandbox, collections_path):
    sandbox.configure(latency=0.2)
    bodies = [volume("ok-%02d" % index) for index in range(30)]
    bodies[5] = volume("reject-sixth")
    run = request(sandbox, collections_path, method="POST", path=VOLUMES, project_id=1, region_id=76, bodies=bodies)
    assert run.failed and run.rc != 0, run
    # Waves of 1, 2, 4, 8 calls: bodies[5] is in the third wave (3-6), so 7 calls went out.
    assert sandbox.counters()["writes"] == 7, "no call starts once a wave held a refusal"
    results = run.result["results"]
    assert [call["sent"] for call in results] == [True] * 7 + [False] * 23
    accepted = [call for call in results if call["status"] == 200]
    assert len(accepted) == 6
    assert run.result["task_ids"] == [call["task_ids"][0] for call in accepted]
    assert len(run.result["created_resources"]["volumes"]) == len(accepted), "accepted calls were waited for"
    assert all(task["state"] == "FINISHED" for task in run.result["tasks"])
    assert all(call["task_ids"] == [] and call["status"] is None for call in results if not call["sent"])
    failure = assert_one_line_api_error(run, status=422, exception_class="ValidationError",
                                        contains=("bodies[5]", "call 6 of 30", "POST /cloud/v1/volumes/1/76"))
    assert failure["index"] == 5 and "name" in failure["invalid_fields"]
    assert "6 call(s) accepted, 23 not sent" in run.msg
    assert "invalid fields: name (Sandbox switch: names starting with 'reject-' are refused)" in run.msg
    assert run.result["changed"] is True


def test_a_batch_whose_first_body_is_refused_sends_nothing_more(sandbox, collections_path):
    bodies = [volume("reject-first")] + [volume("ok-%02d" % index) for index in range(29)]
    run = request(sandbox, collections_path, method="POST", path=VOLUMES, project_id=1, region_id=76, bodies=bodies)
    assert run.failed and "bodies[0] (call 1 of 30)" in run.msg and "0 call(s) accepted, 29 not sent" in run.msg, run
    assert sandbox.counters()["writes"] == 1 and run.result["task_ids"] == []


def test_a_call_refused_in_the_middle_stops_the_batch_before_the_calls_after_it(sandbox, collections_path):
    bodies = [volume("data-1"), volume("data-2"), volume("reject-3"), volume("data-4"), volume("data-5")]
    run = request(sandbox, collections_path, method="POST", path=VOLUMES, project_id=1, region_id=76, bodies=bodies)
    assert run.failed and "bodies[2] (call 3 of 5)" in run.msg and "2 call(s) accepted, 2 not sent" in run.msg, run
    assert sandbox.counters()["writes"] == 3, "waves of 1 then 2 calls: data-4 and data-5 are never sent"
    assert [call["sent"] for call in run.result["results"]] == [True, True, True, False, False]
    assert len(run.result["created_resources"]["volumes"]) == 2


def test_a_single_rejected_call_fails_with_gcores_message_and_request_id(sandbox, collections_path):
    run = request(sandbox, collections_path, method="POST", path=VOLUMES, project_id=1, region_id=76,
                  body=volume("badrequest-x"))
    failure = assert_one_line_api_error(run, status=400, exception_class="BadRequest")
    assert failure["invalid_fields"] == {"name": "names starting with 'badrequest-' are refused"}
    assert failure["details"] is None, "invalid_fields is in failure once, not also under details"
    assert run.result["changed"] is True, "a write call was sent"
    assert run.result["task_ids"] == []
    assert sandbox.counters()["writes"] == 1


def test_a_write_answered_502_is_sent_once_and_said_to_maybe_have_been_processed(sandbox, collections_path):
    run = request(sandbox, collections_path, method="POST", path=VOLUMES, project_id=1, region_id=76,
                  body=volume("gateway-x"), api_retries=3)
    assert run.failed, run
    assert sandbox.counters()["writes"] == 1
    assert "HTTP 502" in run.msg and "may have been processed" in run.msg and "\n" not in run.msg
    assert run.result["failure"]["maybe_processed"] is True
    assert run.result["changed"] is True, "the API may have acted"
    listing = requests.get(sandbox.url + "/cloud/v1/tasks", headers={"Authorization": "APIKey " + API_KEY}).json()
    assert listing["count"] == 1, "the gateway answered 502, yet the API had accepted the volume"


def test_a_throttled_write_is_sent_again_after_retry_after(sandbox, collections_path):
    sandbox.add_fault(route=CREATE_ROUTE, status=429, headers={"Retry-After": "1"},
                      body={"exception_class": "Throttled", "message": "slow down"})
    run = request(sandbox, collections_path, method="POST", path=VOLUMES, project_id=1, region_id=76,
                  body=volume("throttled"))
    assert not run.failed, run
    assert sandbox.counters()["routes"][CREATE_ROUTE] == 2
    assert len(run.result["created_resources"]["volumes"]) == 1


def test_a_get_answered_502_keeps_the_retry_policy_and_is_sent_again(sandbox, collections_path):
    sandbox.add_fault(route="GET /cloud/v1/volumes/{project_id}/{region_id}", status=502,
                      body="<html>Bad gateway</html>", content_type="text/html")
    run = request(sandbox, collections_path, path=VOLUMES, project_id=1, region_id=76)
    assert not run.failed, run
    assert run.result["status"] == 200 and run.result["changed"] is False
    assert sandbox.counters()["routes"]["GET /cloud/v1/volumes/{project_id}/{region_id}"] == 2


def test_a_write_whose_connection_is_reset_is_sent_once(sandbox, collections_path):
    sandbox.add_fault(route=CREATE_ROUTE, action="reset")
    run = request(sandbox, collections_path, method="POST", path=VOLUMES, project_id=1, region_id=76,
                  body=volume("reset"), api_retries=3)
    assert run.failed and "may have been processed" in run.msg, run
    assert sandbox.counters()["routes"][CREATE_ROUTE] == 1


def test_a_write_that_never_reached_the_api_is_not_changed_and_says_so(sandbox, collections_path):
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there now: the connection is refused before anything is sent
    args = dict(base_args(sandbox, method="POST", path=VOLUMES, project_id=1, region_id=76, body=volume("nowhere"),
                          api_retries=0, wait_timeout=5), api_url="http://127.0.0.1:%d" % port)
    run = run_module(collections_path, "gcore_request", args)
    assert run.failed and "\n" not in run.msg, run
    assert "may have been processed" not in run.msg and "connection failed" in run.msg, run.msg
    assert run.result["changed"] is False
    assert run.result["failure"]["maybe_processed"] is False
    assert sandbox.counters()["total"] == 0


# ------------------------------------------------------------------------------ placeholders


def test_placeholders_fall_back_to_the_sdks_environment_variables(sandbox, collections_path):
    run = request(sandbox, collections_path, method="POST", path=VOLUMES, body=volume("from-env"),
                  env={"GCORE_CLOUD_PROJECT_ID": "12", "GCORE_CLOUD_REGION_ID": "34"})
    assert not run.failed, run
    assert (run.result["path"], run.result["project_id"], run.result["region_id"]) == ("/cloud/v1/volumes/12/34", 12, 34)
    assert sandbox.requests()[0]["path"] == "/cloud/v1/volumes/12/34"


def test_options_win_over_the_environment_for_placeholders(sandbox, collections_path):
    run = request(sandbox, collections_path, path=VOLUMES, project_id=5, region_id=6,
                  env={"GCORE_CLOUD_PROJECT_ID": "12", "GCORE_CLOUD_REGION_ID": "34"})
    assert not run.failed, run
    assert sandbox.requests()[0]["path"] == "/cloud/v1/volumes/5/6"


@pytest.mark.parametrize("args, env, words", [
    pytest.param(dict(path=VOLUMES, region_id=76), {}, ("needs project_id", "GCORE_CLOUD_PROJECT_ID"),
                 id="project-unfilled"),
    pytest.param(dict(path=VOLUMES, project_id=1), {}, ("needs region_id", "GCORE_CLOUD_REGION_ID"),
                 id="region-unfilled"),
    pytest.param(dict(path="/cloud/v1/volumes/1/76/{volume_id}"), {}, ("{volume_id}",), id="unknown-placeholder"),
    pytest.param(dict(path=VOLUMES, project_id=0, region_id=76), {}, ("project_id must be a positive",),
                 id="project-zero"),
    pytest.param(dict(path=VOLUMES, region_id=76), {"GCORE_CLOUD_PROJECT_ID": "1/../2"}, ("project_id",),
                 id="env-not-an-integer"),
    pytest.param(dict(path="/cloud/v1/volumes/{project_id/76", project_id=1), {}, ("unbalanced",),
                 id="unbalanced-brace"),
])
def test_an_unfillable_placeholder_is_refused_before_any_request(sandbox, collections_path, args, env, words):
    run = request(sandbox, collections_path, method="POST", body=volume("never"), env=env, **args)
    assert run.failed and "\n" not in run.msg, run
    for word in words:
        assert word in run.msg, (word, run)
    assert "Traceback" not in run.stdout + run.stderr
    assert sandbox.counters()["total"] == 0


# ------------------------------------------------------------------------------ path safety


@pytest.mark.parametrize("path", [
    "cloud/v1/volumes/1/76",
    "https://evil.example/cloud/v1/volumes/1/76",
    "//evil.example/cloud/v1/volumes",
    "/cloud/v1/volumes/1/76/../../../tasks",
    "/cloud/v1/./volumes/1/76",
    "/cloud//v1/volumes/1/76",
    "/cloud/v1/volumes/1/76?admin=true",
    "/cloud/v1/volumes/1/76#x",
    "/cloud/v1/volumes/1/ 76",
    "/cloud/v1/volumes/1/76\r\nX-Injected: 1",
    "/cloud/v1/volumes/1/76\x00",
    "/cloud/v1/volumes/%2e%2e/tasks",
    "/cloud/v1/volumes/1%2F76",
    "/cloud/v1/volumes/1/76/%",
    "/cloud/v1/volumes/1/76\\..\\tasks",
    "/cloud/v1/volümes/1/76",
    "",
])
def test_an_unsafe_path_is_refused_before_any_request(sandbox, collections_path, path):
    run = request(sandbox, collections_path, method="DELETE", path=path)
    assert run.failed and "is refused" in run.msg and "\n" not in run.msg, run
    assert sandbox.counters()["total"] == 0


@pytest.mark.parametrize("args, words", [
    pytest.param(dict(method="GET", path="/cloud/v1/tasks", body={"a": 1}), ("GET sends no body",), id="get-body"),
    pytest.param(dict(method="POST", path="/cloud/v1/tasks", body={"a": 1}, bodies=[{"a": 2}]),
                 ("mutually exclusive",), id="body-and-bodies"),
    pytest.param(dict(path="/cloud/v1/tasks", query={"filter": {"nested": 1}}), ("query.filter",), id="nested-query"),
    pytest.param(dict(method="POST", path="/cloud/v1/tasks", body={"a": 1}, wait_timeout=0), ("wait_timeout",),
                 id="wait-timeout-zero"),
    pytest.param(dict(method="TRACE", path="/cloud/v1/tasks"), ("method",), id="unknown-method"),
    pytest.param(dict(method="POST", path="/cloud/v1/tasks", bodies=[{"a": 1}, {"b": [{"c": float("inf")}]}]),
                 ("bodies[1]['b'][0]['c'] is NaN or infinite",), id="infinite-in-body"),
])
def test_bad_input_is_refused_before_any_request(sandbox, collections_path, args, words):
    run = request(sandbox, collections_path, **args)
    assert run.failed and "\n" not in run.msg, run
    for word in words:
        assert word in run.msg, (word, run)
    assert sandbox.counters()["total"] == 0


def test_an_empty_bodies_list_sends_nothing_and_changes_nothing(sandbox, collections_path):
    run = request(sandbox, collections_path, method="POST", path=VOLUMES, project_id=1, region_id=76, bodies=[])
    assert not run.failed, run
    assert run.result["changed"] is False and run.result["results"] == [] and run.result["task_ids"] == []
    assert sandbox.counters()["total"] == 0
