# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Long waits under Ansible's async/poll (an AWX job waiting for a Kubernetes cluster), on short durations.

The sandbox runs on a request clock (conftest.RequestClockSandbox): durations are numbers of API
requests, so the tasks are still running when each wait starts however slow the machine is.
"""

import pytest


@pytest.fixture
def sandbox(request_clock_sandbox):
    return request_clock_sandbox


ASYNC = """
- name: Waits in the background
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/gcore.tasks.all:
      api_retries: 1
      api_timeout: 5
  tasks:
    - name: Async wait
      gcore.tasks.gcore_task_wait:
        task_ids: "{{ ids }}"
        wait_timeout: 60
        wait_sleep: 0.5
      async: 120
      poll: 1
      register: in_background

    - name: Facts set by the async wait
      ansible.builtin.debug:
        msg: "{{ gcore_created_resources }}"

    - name: Plain wait on the same tasks
      gcore.tasks.gcore_task_wait:
        task_ids: "{{ ids }}"
        wait_timeout: 60
        wait_sleep: 0.5
      register: plain

    - name: Fire and forget
      gcore.tasks.gcore_task_wait:
        task_ids: "{{ later_ids }}"
        wait_timeout: 60
        wait_sleep: 0.5
      async: 120
      poll: 0
      register: job

    - name: Poll the job
      ansible.builtin.async_status:
        jid: "{{ job.ansible_job_id }}"
      register: polled
      until: polled.finished
      retries: 60
      delay: 0.5

    - name: Async wait that times out
      gcore.tasks.gcore_task_wait:
        task_ids: "{{ ids + [stuck] }}"
        wait_timeout: 1.5
        wait_sleep: 0.5
      async: 60
      poll: 1
      ignore_errors: true
      register: timed_out
"""

SAME = ("changed", "tasks", "created_resources", "created_resources_by_task", "failed_tasks", "pending_tasks")
# The record fact is kept by the action plugin, which an async job's result (read by async_status) skips:
# under async the module's own facts come back, and the record is not updated (docs/rerun.md).
RECORD = "gcore_created_record"


def test_a_wait_under_async_returns_what_a_plain_run_returns(run_playbook, sandbox):
    # In requests: the async wait's rounds (at least wait_sleep apart, a few requests each) see the
    # tasks run for more than a second; the plain wait finds them ended; the fire-and-forget task
    # is still running when that wait starts and ends while it is polled.
    ids = sandbox.add_tasks([{"duration": 16, "queued": 1, "task_type": "create_k8s_cluster_v2"},
                             {"duration": 14, "task_type": "create_vm", "project_id": 1, "region_id": 1}])
    later_ids = sandbox.add_tasks([{"duration": 45, "task_type": "create_loadbalancer"}])
    stuck = sandbox.add_task(duration=None, task_type="create_network")
    run = run_playbook(ASYNC, extra_vars={"ids": ids, "later_ids": later_ids, "stuck": stuck})
    assert run.rc == 0, run.stdout + run.stderr

    background = run.result("Async wait")["result"]
    plain = run.result("Plain wait on the same tasks")["result"]
    assert background["finished"] == 1 and background.get("failed") is not True
    assert background["elapsed"] >= 1.0, "the async run really waited"
    for key in SAME:
        assert background[key] == plain[key], key
    assert RECORD not in background["ansible_facts"] and RECORD in plain["ansible_facts"]
    assert background["ansible_facts"] == dict((key, value) for key, value in plain["ansible_facts"].items()
                                               if key != RECORD)
    assert sorted(background["created_resources"]) == ["instances", "k8s_clusters"]
    assert run.result("Facts set by the async wait")["result"]["msg"] == background["created_resources"]

    polled = run.result("Poll the job")["result"]
    assert polled["finished"] == 1 and polled["failed_tasks"] == [] and polled["pending_tasks"] == []
    assert polled["created_resources"]["loadbalancers"] == sandbox.task(later_ids[0])["created_resources"][
        "loadbalancers"]

    timed_out = run.result("Async wait that times out")
    assert timed_out["status"] == "failed"
    result = timed_out["result"]
    assert "Timed out after 1.5s" in result["msg"] and stuck in result["msg"] and "\n" not in result["msg"]
    assert result["created_resources"] == plain["created_resources"], "IDs survive a failed async wait"
    assert [task["id"] for task in result["pending_tasks"]] == [stuck]
