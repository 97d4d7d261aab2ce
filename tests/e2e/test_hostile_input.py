# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hostile and wrong input: every case is refused with a clear message before any request."""

import concurrent.futures
import uuid

from gcore_e2e import API_KEY, TASK_ID, base_args, run_module

# (name, module, arguments, a fragment the failure message must hold)
REFUSED = [
    ("id not a uuid", "gcore_task_wait", {"task_ids": ["not-a-uuid"]}, "must be UUIDs"),
    ("id path traversal", "gcore_task_wait", {"task_ids": ["../../../cloud/v1/tasks/acknowledge_all"]}, "must be UUIDs"),
    ("id uuid then traversal", "gcore_task_wait", {"task_ids": [TASK_ID + "/../acknowledge"]}, "must be UUIDs"),
    ("id with query", "gcore_task_wait", {"task_ids": [TASK_ID + "?state=NEW"]}, "must be UUIDs"),
    ("id with fragment", "gcore_task_info", {"task_ids": [TASK_ID + "#x"]}, "must be UUIDs"),
    ("id with encoded slash", "gcore_task_ack", {"task_ids": ["..%2F..%2Facknowledge_all"]}, "must be UUIDs"),
    ("id with space", "gcore_task_wait", {"task_ids": [TASK_ID[:8] + " " + TASK_ID[9:]]}, "must be UUIDs"),
    ("id with trailing newline", "gcore_task_wait", {"task_ids": [TASK_ID + "\n"]}, "must be UUIDs"),
    ("id with leading space", "gcore_task_ack", {"task_ids": [" " + TASK_ID]}, "must be UUIDs"),
    ("id with crlf injection", "gcore_task_info", {"task_ids": [TASK_ID + "\r\nX-Injected: 1"]}, "must be UUIDs"),
    ("one bad id among good ones", "gcore_task_wait", {"task_ids": [TASK_ID, "bad"]}, "invalid: 'bad'"),
    ("empty list wait", "gcore_task_wait", {"task_ids": []}, "task_ids is empty"),
    ("empty list info", "gcore_task_info", {"task_ids": []}, "task_ids is empty"),
    ("empty list ack", "gcore_task_ack", {"task_ids": []}, "task_ids is empty"),
    ("ids as a dict", "gcore_task_wait", {"task_ids": {"id": TASK_ID}}, "task_ids"),
    ("id as a number", "gcore_task_wait", {"task_ids": 42}, "must be UUIDs"),
    ("timeout a word", "gcore_task_wait", {"task_ids": [TASK_ID], "wait_timeout": "soon"}, "wait_timeout"),
    ("timeout zero", "gcore_task_wait", {"task_ids": [TASK_ID], "wait_timeout": 0}, "wait_timeout must be a positive"),
    ("timeout negative", "gcore_task_wait", {"task_ids": [TASK_ID], "wait_timeout": -5},
     "wait_timeout must be a positive"),
    ("sleep zero", "gcore_task_wait", {"task_ids": [TASK_ID], "wait_sleep": 0}, "wait_sleep must be a positive"),
    ("sleep negative", "gcore_task_wait", {"task_ids": [TASK_ID], "wait_sleep": -1}, "wait_sleep must be a positive"),
    ("api timeout zero", "gcore_task_info", {"task_ids": [TASK_ID], "api_timeout": 0}, "api_timeout must be a positive"),
    ("api timeout negative", "gcore_task_ack", {"task_ids": [TASK_ID], "api_timeout": -1},
     "api_timeout must be a positive"),
    ("retries negative", "gcore_task_wait", {"task_ids": [TASK_ID], "api_retries": -1}, "api_retries must be 0 or more"),
    ("retries a word", "gcore_task_wait", {"task_ids": [TASK_ID], "api_retries": "many"}, "api_retries"),
    ("from timestamp a word", "gcore_task_info", {"from_timestamp": "yesterday"}, "from_timestamp must be an ISO 8601"),
    ("to timestamp impossible date", "gcore_task_info", {"to_timestamp": "2026-13-45T00:00:00Z"},
     "to_timestamp must be an ISO 8601"),
    ("timestamp with injection", "gcore_task_info", {"from_timestamp": "2026-01-01&state=NEW"},
     "from_timestamp must be an ISO 8601"),
    ("relative timestamp with injection", "gcore_task_info", {"from_timestamp": "-24h&state=NEW"},
     "from_timestamp must be an ISO 8601"),
    ("relative timestamp without a sign", "gcore_task_info", {"to_timestamp": "24h"}, "to_timestamp must be an ISO 8601"),
    ("limit zero", "gcore_task_info", {"limit": 0}, "limit must be 1 or more"),
    ("limit negative", "gcore_task_info", {"limit": -3}, "limit must be 1 or more"),
    ("state unknown", "gcore_task_info", {"state": ["DONE"]}, "state"),
    ("order unknown", "gcore_task_info", {"order_by": "random"}, "order_by"),
    ("project id a word", "gcore_task_info", {"project_id": ["abc"]}, "project_id"),
    ("active without project", "gcore_task_info", {"active": True}, "active=true needs exactly one project_id"),
    ("active with two projects", "gcore_task_info", {"active": True, "project_id": [1, 2], "region_id": [1]},
     "active=true needs exactly one project_id"),
    ("ids with filters", "gcore_task_info", {"task_ids": [TASK_ID], "state": ["NEW"]}, "mutually exclusive"),
    ("ack neither ids nor all", "gcore_task_ack", {}, "give task_ids, or acknowledge_all=true"),
    ("ack ids and all", "gcore_task_ack", {"task_ids": [TASK_ID], "acknowledge_all": True}, "mutually exclusive"),
    ("ack all without a project", "gcore_task_ack", {"acknowledge_all": True}, "acknowledge_all=true needs project_id"),
    ("ack all with a region only", "gcore_task_ack", {"acknowledge_all": True, "region_id": 76},
     "acknowledge_all=true needs project_id"),
    ("ack all with projects and all_projects", "gcore_task_ack",
     {"acknowledge_all": True, "project_id": [1], "all_projects": True}, "mutually exclusive"),
    ("ack project id a word", "gcore_task_ack", {"acknowledge_all": True, "project_id": ["abc"]}, "project_id"),
    ("url without scheme", "gcore_task_wait", {"task_ids": [TASK_ID], "api_url": "api.gcore.com"},
     "api_url must be an http:// or https:// URL"),
    ("url with another scheme", "gcore_task_info", {"task_ids": [TASK_ID], "api_url": "ftp://api.gcore.com"},
     "api_url must be an http:// or https:// URL"),
    ("url scheme only", "gcore_task_ack", {"task_ids": [TASK_ID], "api_url": "https://"},
     "api_url must be an http:// or https:// URL"),
    ("key blank", "gcore_task_wait", {"task_ids": [TASK_ID], "api_key": "   "}, "api_key is empty"),
]


def test_every_hostile_or_wrong_input_is_refused_clearly_before_any_request(sandbox, collections_path):
    def attempt(case):
        _name, module, args, _fragment = case
        module_args = {"api_key": API_KEY, "api_url": sandbox.url}
        module_args.update(args)
        return run_module(collections_path, module, module_args)

    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        runs = list(pool.map(attempt, REFUSED))
    problems = []
    for (name, module, _args, fragment), run in zip(REFUSED, runs):
        if not run.failed or fragment not in run.msg:
            problems.append("%s (%s): failed=%s %r" % (name, module, run.failed, run.msg))
        elif "\n" in run.msg or "Traceback" in run.stdout + run.stderr:
            problems.append("%s: message not one clean line: %r" % (name, run.msg))
    assert not problems, "\n".join(problems)
    assert sandbox.counters()["total"] == 0, sandbox.requests()


def test_refused_ids_are_shown_escaped_so_a_newline_cannot_forge_log_lines(sandbox, collections_path):
    run = run_module(collections_path, "gcore_task_wait",
                     base_args(sandbox, task_ids=[TASK_ID + "\nok: [localhost] => forged"]))
    assert run.failed and "\n" not in run.msg and "\\n" in run.msg, run
    assert sandbox.counters()["total"] == 0


def test_more_than_10000_ids_are_refused_naming_the_limit(sandbox, collections_path):
    ids = [str(uuid.uuid4()) for _unused in range(10001)]
    run = run_module(collections_path, "gcore_task_wait", base_args(sandbox, task_ids=ids))
    assert run.failed and run.msg == "too many task IDs: 10001 given, at most 10000 per call", run
    assert sandbox.counters()["total"] == 0


def test_duplicate_ids_in_any_case_are_waited_on_once(sandbox, collections_path):
    task_id = sandbox.add_task(duration=0)
    sandbox.reset_counters()
    run = run_module(collections_path, "gcore_task_wait",
                     base_args(sandbox, task_ids=[task_id, task_id, task_id.upper()], wait_timeout=10))
    assert not run.failed, run
    assert sandbox.counters()["routes"] == {"GET /cloud/v1/tasks/{task_id}": 1}
    assert [task["id"] for task in run.result["tasks"]] == [task_id]
    assert run.result["ansible_facts"]["gcore_task_ids"] == [task_id]


def test_10000_finished_tasks_are_waited_on_with_a_few_list_pages(sandbox, collections_path):
    ids = sandbox.add_tasks([{"duration": 0, "task_type": "create_volume"}] * 10000)
    sandbox.reset_counters()
    run = run_module(collections_path, "gcore_task_wait", base_args(sandbox, task_ids=ids, wait_timeout=60),
                     timeout=120)
    assert not run.failed, run
    routes = sandbox.counters()["routes"]
    # One read by ID reveals the project/region; its active list is empty; its window around that task: ten pages.
    assert routes == {"GET /cloud/v1/tasks/{task_id}": 1, "GET /cloud/v1/tasks/{project_id}/{region_id}/active": 1,
                      "GET /cloud/v1/tasks": 10}, "ten pages of 1000, no request per task"
    assert len(run.result["created_resources"]["volumes"]) == 10000
    assert len(run.result["tasks"]) == 10000 and run.result["failed_tasks"] == []
