# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The wait engine under a real account's conditions, counted on the sandbox: busy accounts, failing or
malformed list answers, odd task values, wrong api_url, non-finite options."""

import json

import pytest

from gcore_e2e import base_args, run_module

LIST = "GET /cloud/v1/tasks"
ACTIVE = "GET /cloud/v1/tasks/{project_id}/{region_id}/active"
GET_ONE = "GET /cloud/v1/tasks/{task_id}"


def _seed_busy(sandbox, waited, crowd, duration=(1.0, 2.5)):
    """crowd finished tasks of the same type, project and region before the waited ones and crowd after."""
    spec = {"task_type": "create_volume", "duration": 0, "project_id": 1, "region_id": 76}
    sandbox.add_tasks([spec] * crowd)
    low, high = duration
    task_ids = sandbox.add_tasks([dict(spec, duration=low + (high - low) * n / waited) for n in range(waited)])
    sandbox.add_tasks([spec] * crowd)
    sandbox.reset_counters()
    return task_ids


def _list_limits(sandbox):
    return [int(part.split("=")[1]) for entry in sandbox.requests() for part in entry["query"].split("&")
            if part.startswith("limit=")]


def test_a_busy_account_costs_about_one_read_per_task_plus_one_list_per_round(sandbox, collections_path):
    task_ids = _seed_busy(sandbox, waited=40, crowd=2500)
    run = run_module(collections_path, "gcore_task_wait",
                     base_args(sandbox, task_ids=task_ids, wait_sleep=0.5, wait_timeout=60))
    assert not run.failed, run
    assert len(run.result["created_resources"]["volumes"]) == 40
    routes = sandbox.counters()["routes"]
    rounds = int(run.result["elapsed"] / 0.5) + 2
    assert routes.get(GET_ONE, 0) <= 40 + 1, routes
    assert routes.get(LIST, 0) + routes.get(ACTIVE, 0) <= rounds + 2, (routes, rounds)
    assert max(_list_limits(sandbox)) <= 2 * 40 + 100, "no page of the busy account's tasks is downloaded whole"


@pytest.mark.parametrize("status", [500, 400, 403])
def test_a_list_endpoint_failing_with_any_status_never_fails_the_wait(sandbox, collections_path, status):
    task_ids = sandbox.add_tasks([{"duration": 0.5 + 0.1 * n, "project_id": 1, "region_id": 76} for n in range(20)])
    sandbox.reset_counters()
    for route in (LIST, ACTIVE):
        sandbox.add_fault(route=route, status=status, times=None)
    run = run_module(collections_path, "gcore_task_wait",
                     base_args(sandbox, task_ids=task_ids, wait_sleep=0.3, wait_timeout=30, api_retries=1))
    assert not run.failed, run
    assert len(run.result["created_resources"]["volumes"]) == 20
    routes = sandbox.counters()["routes"]
    tries = 2 if status == 500 else 1
    assert routes.get(LIST, 0) + routes.get(ACTIVE, 0) <= 2 * tries, "two failed lists, then reads by ID only"


@pytest.mark.parametrize("body", [
    [{"id": "x"}], {"count": 1, "results": None}, {"count": 1, "results": {"id": "x"}},
    {"count": "many", "results": []}, {"count": 3, "results": ["x", 1, None]}, "not a page",
], ids=["array", "results-null", "results-object", "count-string", "results-not-objects", "a-string"])
def test_a_malformed_list_answer_sends_that_round_to_reads_by_id(sandbox, collections_path, body):
    task_ids = sandbox.add_tasks([{"duration": 0.5 + 0.1 * n} for n in range(10)])
    sandbox.reset_counters()
    for route in (LIST, ACTIVE):
        sandbox.add_fault(route=route, status=200, body=body, content_type="application/json", times=None)
    run = run_module(collections_path, "gcore_task_wait",
                     base_args(sandbox, task_ids=task_ids, wait_sleep=0.3, wait_timeout=30))
    assert not run.failed, run
    assert len(run.result["created_resources"]["volumes"]) == 10
    routes = sandbox.counters()["routes"]
    assert routes.get(LIST, 0) + routes.get(ACTIVE, 0) <= 2


def test_a_null_created_on_costs_only_that_tasks_own_reads(sandbox, collections_path):
    task_ids = sandbox.add_tasks([{"duration": 2.0, "project_id": 1, "region_id": 76} for _unused in range(49)])
    odd = sandbox.add_task(duration=2.0, project_id=1, region_id=76, fields={"created_on": None})
    sandbox.reset_counters()
    run = run_module(collections_path, "gcore_task_wait",
                     base_args(sandbox, task_ids=task_ids + [odd], wait_sleep=0.5, wait_timeout=30))
    assert not run.failed, run
    assert len(run.result["created_resources"]["volumes"]) == 50
    reads = [entry["path"].rsplit("/", 1)[1] for entry in sandbox.requests() if entry["route"] == GET_ONE]
    rounds = int(run.result["elapsed"] / 0.5) + 2
    assert len([task_id for task_id in reads if task_id != odd]) <= 2, "the neighbours are read with lists"
    assert len(reads) <= rounds + 2


@pytest.mark.parametrize("fields", [
    {"created_on": "0001-01-01T00:00:00"}, {"created_on": "9999-12-31T23:59:59.999999"},
    {"created_on": "not a date"}, {"created_on": 1716440851}, {"task_type": 7}, {"task_type": ["create_vm"]},
    {"project_id": "abc"}, {"region_id": [76]}, {"state": None}, {"created_resources": ["vol"]},
], ids=lambda fields: "%s=%s" % next(iter(fields.items())))
def test_an_odd_value_in_one_task_is_no_traceback_and_the_others_finish(sandbox, collections_path, fields):
    task_ids = sandbox.add_tasks([{"duration": 0.5} for _unused in range(5)])
    odd = sandbox.add_task(duration=0.5, fields=fields)
    run = run_module(collections_path, "gcore_task_wait",
                     base_args(sandbox, task_ids=task_ids + [odd], wait_sleep=0.3, wait_timeout=4))
    assert "Traceback" not in run.stderr + run.stdout and run.rc in (0, 1), run
    assert run.result.get("msg") != "module printed no JSON", run
    finished = [task for task in run.result["tasks"] if task["id"] in task_ids and task["state"] == "FINISHED"]
    assert len(finished) == 5, run


@pytest.mark.parametrize("body", ['"26986bc0-748a-4448-b836-0a2aa465eb06"', "[" * 5000 + "]" * 5000,
                                  '{"id": "x", "data": %s1%s}' % ("[" * 300, "]" * 300)],
                         ids=["json-string", "deep-array", "deep-data"])
def test_a_malformed_task_read_is_one_clear_line(sandbox, collections_path, body):
    task_id = sandbox.add_task(duration=0)
    sandbox.add_fault(route=GET_ONE, status=200, body=body, content_type="application/json", times=None)
    for module, args in (("gcore_task_wait", {}), ("gcore_task_info", {})):
        run = run_module(collections_path, module, base_args(sandbox, task_ids=[task_id], **args))
        assert run.failed and "\n" not in run.msg and "Traceback" not in run.stderr, run
        assert "not a task object" in run.msg or "nested" in run.msg, run
        assert run.result["failure"]["url"] == "%s/cloud/v1/tasks/%s" % (sandbox.url, task_id)


SURROGATE_PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Wait
      gcore.tasks.gcore_task_wait:
        task_ids: "{{ ids }}"
        wait_sleep: 0.3
      register: waited
      ignore_errors: true

    - name: What was registered
      ansible.builtin.debug:
        var: waited
"""


def test_a_lone_surrogate_in_an_error_text_keeps_the_registered_result_whole(run_playbook, sandbox):
    done = sandbox.add_task(duration=0.3)
    bad = sandbox.add_task(duration=0.3, outcome="ERROR", error=u"quota \ud800 exceeded",
                           data={u"name\udfff": u"x\udc00"})
    run = run_playbook(SURROGATE_PLAYBOOK, extra_vars={"ids": [done, bad]})
    assert run.rc == 0, run.stdout + run.stderr
    waited = run.result("What was registered")["result"]["waited"]
    assert waited["failed"] and waited["created_resources"] == {
        "volumes": sandbox.task(done)["created_resources"]["volumes"]}
    assert u"quota \ufffd exceeded" in waited["msg"]
    assert waited["failed_tasks"][0]["error"] == u"quota \ufffd exceeded"


@pytest.mark.parametrize("module", ["gcore_task_wait", "gcore_task_info"])
def test_an_api_url_with_an_extra_cloud_is_named_as_such(sandbox, collections_path, module):
    task_ids = sandbox.add_tasks([{"duration": 0}] * 3)
    sandbox.reset_counters()
    run = run_module(collections_path, module,
                     base_args(sandbox, task_ids=task_ids, api_url=sandbox.url + "/cloud", fail_on_error=False)
                     if module == "gcore_task_wait" else
                     base_args(sandbox, task_ids=task_ids, api_url=sandbox.url + "/cloud"))
    assert run.failed and "\n" not in run.msg, run
    called = "%s/cloud/cloud/v1/tasks/" % sandbox.url
    assert called in run.msg and "Check api_url (%s/cloud)" % sandbox.url in run.msg, run
    assert run.result["failure"]["url"].startswith(called)
    assert sandbox.counters()["total"] <= 3


def test_a_404_that_is_no_gcore_error_names_the_url_and_api_url(sandbox, collections_path):
    task_id = sandbox.add_task(duration=0)
    sandbox.add_fault(route="*", status=404, body="<html><h1>404 Not Found</h1>nginx</html>",
                      content_type="text/html", times=None)
    run = run_module(collections_path, "gcore_task_wait", base_args(sandbox, task_ids=[task_id]))
    assert run.failed and "\n" not in run.msg, run
    url = "%s/cloud/v1/tasks/%s" % (sandbox.url, task_id)
    assert "Nothing Gcore answers at %s: check api_url (%s)" % (url, sandbox.url) in run.msg, run
    assert run.result["failure"]["url"] == url and run.result["failed_tasks"] == []
    assert sandbox.counters()["total"] == 1, "neither retried nor followed by a list"


def test_fail_on_error_false_warns_naming_the_failed_tasks(sandbox, collections_path):
    done = sandbox.add_task(duration=0)
    bad = sandbox.add_task(duration=0, outcome="ERROR", task_type="create_vm", error="Quota exceeded")
    run = run_module(collections_path, "gcore_task_wait",
                     base_args(sandbox, task_ids=[done, bad], fail_on_error=False))
    assert not run.failed, run
    (warning,) = run.result["warnings"]
    text = warning if isinstance(warning, str) else json.dumps(warning)  # ansible-core 2.19 sends a dict
    assert "1 of 2 task(s) failed: %s (create_vm, ERROR): Quota exceeded" % bad in text
    assert done not in text


@pytest.mark.parametrize("module, option, value", [
    ("gcore_task_wait", "wait_sleep", "nan"), ("gcore_task_wait", "wait_timeout", "nan"),
    ("gcore_task_wait", "wait_timeout", "inf"), ("gcore_task_wait", "api_timeout", "nan"),
    ("gcore_task_info", "api_timeout", "-inf"), ("gcore_task_ack", "api_timeout", "Infinity"),
])
def test_non_finite_float_options_are_refused_before_any_request(sandbox, collections_path, module, option, value):
    task_id = sandbox.add_task(duration=0)
    sandbox.reset_counters()
    run = run_module(collections_path, module, base_args(sandbox, task_ids=[task_id], **{option: value}), timeout=20)
    assert run.failed and run.msg.startswith("%s must be a finite number" % option), run
    assert sandbox.counters()["total"] == 0
    assert json.dumps(run.result)


def test_the_reads_by_id_of_a_round_go_out_together_over_a_few_keep_alive_connections(sandbox, collections_path):
    task_ids = sandbox.add_tasks([{"duration": 0, "project_id": 1, "region_id": region} for region in range(20)])
    sandbox.configure(latency=0.15)
    sandbox.reset_counters()
    run = run_module(collections_path, "gcore_task_wait", base_args(sandbox, task_ids=task_ids, wait_timeout=30))
    assert not run.failed, run
    reads = [entry for entry in sandbox.requests() if entry["route"] == GET_ONE]
    assert len(reads) == 20 and len(sandbox.requests()) <= 22
    # One after another they would share one keep-alive connection; together they need several.
    # (A count of connections, not a time span: a busy machine can spread concurrent arrivals.)
    clients = {entry["client"] for entry in reads[1:]}
    assert 2 <= len(clients), "the reads went out one after another on one connection"
    assert len({entry["client"] for entry in sandbox.requests()}) <= 9, "at most 8 pooled connections, reused"
