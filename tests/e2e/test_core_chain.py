# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""End to end through ansible-playbook: create, wait, use the IDs in a later play, acknowledge."""

import yaml

from conftest import REPO

VERSION = yaml.safe_load((REPO / "galaxy.yml").read_text())["version"]

CREATE_AND_WAIT = """
- name: Create a volume and wait for it
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/gcore.tasks.all:
      api_url: "{{ lookup('ansible.builtin.env', 'GCORE_BASE_URL') }}"
  tasks:
    - name: Create volume
      ansible.builtin.uri:
        url: "{{ lookup('ansible.builtin.env', 'GCORE_BASE_URL') }}/cloud/v1/volumes/1/76"
        method: POST
        headers:
          Authorization: "APIKey {{ lookup('ansible.builtin.env', 'GCORE_API_KEY') }}"
        body_format: json
        body: {source: new-volume, name: "{{ volume_name }}", size: 10}
      register: create
      no_log: true

    - name: Wait
      gcore.tasks.gcore_task_wait:
        task_ids: "{{ create.json.tasks }}"
        wait_timeout: 30
      register: waited
      ignore_errors: true

- name: A later play uses the created volume ID from facts, without register
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Read volume
      ansible.builtin.uri:
        url: "{{ lookup('ansible.builtin.env', 'GCORE_BASE_URL') }}/cloud/v1/volumes/1/76/{{ gcore_created_resources.volumes[0] }}"
        headers:
          Authorization: "APIKey {{ lookup('ansible.builtin.env', 'GCORE_API_KEY') }}"
      register: volume
      no_log: true
      when: gcore_created_resources.volumes | default([]) | length > 0

    - name: Report volume
      ansible.builtin.debug:
        msg: "{{ volume.json | default({}) }}"

    - name: Acknowledge
      gcore.tasks.gcore_task_ack:
        task_ids: "{{ gcore_task_ids }}"
      when: gcore_task_ids is defined
"""


def test_created_volume_id_flows_from_the_wait_into_a_later_play_and_tasks_are_acknowledged(run_playbook, sandbox):
    run = run_playbook(CREATE_AND_WAIT, extra_vars={"volume_name": "data-1"})
    assert run.rc == 0, run.stdout + run.stderr
    waited = run.result("Wait")["result"]
    assert waited["changed"] is False
    assert len(waited["created_resources"]["volumes"]) == 1
    volume_id = waited["created_resources"]["volumes"][0]
    assert waited["created_resources_by_task"] == {waited["tasks"][0]["id"]: {"volumes": [volume_id]}}
    assert waited["failed_tasks"] == [] and waited["pending_tasks"] == []
    assert run.result("Report volume")["result"]["msg"]["id"] == volume_id
    acked = run.result("Acknowledge")["result"]
    assert acked["changed"] is True and acked["tasks"][0]["acknowledged_at"]
    assert sandbox.task(waited["tasks"][0]["id"])["acknowledged_by"] is not None
    agents = {entry["headers"].get("User-Agent", "") for entry in sandbox.requests()
              if entry["path"].startswith("/cloud/v1/tasks")}
    assert agents and all(agent.startswith("gcore.tasks/%s " % VERSION) and " ansible-core/" in agent for agent in agents)


def test_an_error_task_fails_the_wait_naming_the_task_and_its_error(run_playbook, sandbox):
    run = run_playbook(CREATE_AND_WAIT, extra_vars={"volume_name": "fail-quota"})
    waited = run.result("Wait")
    assert waited["status"] == "failed"
    task_id = waited["result"]["failed_tasks"][0]["id"]
    assert task_id in waited["result"]["msg"] and "create_volume" in waited["result"]["msg"]
    assert sandbox.task(task_id)["error"] in waited["result"]["msg"]
    assert waited["result"]["created_resources"] == {}


WAIT_FOR_SEEDED = """
- name: Wait for seeded tasks
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Wait
      gcore.tasks.gcore_task_wait:
        task_ids: "{{ ids }}"
        wait_timeout: "{{ timeout }}"
        wait_sleep: 0.2
        fail_on_error: "{{ fail_on_error | default(true) }}"
      register: waited
      ignore_errors: true
"""


def test_a_timeout_names_pending_tasks_and_keeps_every_created_id(run_playbook, sandbox):
    done = sandbox.add_tasks([{"task_type": "create_vm", "duration": 0.2}, {"task_type": "create_network", "duration": 0.2}])
    stuck = sandbox.add_task(task_type="create_loadbalancer", duration=None)
    run = run_playbook(WAIT_FOR_SEEDED, extra_vars={"ids": done + [stuck], "timeout": 2})
    waited = run.result("Wait")
    result = waited["result"]
    assert waited["status"] == "failed"
    assert "Timed out" in result["msg"] and stuck in result["msg"] and "RUNNING" in result["msg"]
    assert result["pending_tasks"] == [{"id": stuck, "task_type": "create_loadbalancer", "state": "RUNNING",
                                        "error": None}]
    assert result["created_resources"]["instances"] == sandbox.task(done[0])["created_resources"]["instances"]
    assert result["created_resources"]["networks"] == sandbox.task(done[1])["created_resources"]["networks"]
    assert result["elapsed"] > 1.5, "it waited until its 2 s deadline"


def test_an_error_among_finished_tasks_keeps_the_finished_tasks_ids(run_playbook, sandbox):
    ok = sandbox.add_task(task_type="create_volume", duration=0.2)
    bad = sandbox.add_task(task_type="create_vm", duration=0.3, outcome="ERROR", error="No valid host was found")
    run = run_playbook(WAIT_FOR_SEEDED, extra_vars={"ids": [ok, bad], "timeout": 20})
    result = run.result("Wait")["result"]
    assert "No valid host was found" in result["msg"] and bad in result["msg"]
    assert result["created_resources"] == {"volumes": sandbox.task(ok)["created_resources"]["volumes"]}
    run = run_playbook(WAIT_FOR_SEEDED, extra_vars={"ids": [ok, bad], "timeout": 20, "fail_on_error": False})
    assert run.result("Wait")["status"] == "ok"
    assert run.result("Wait")["result"]["failed_tasks"][0]["error"] == "No valid host was found"


ACK = """
- name: Acknowledge
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Ack
      gcore.tasks.gcore_task_ack:
        task_ids: "{{ ids }}"
"""


def test_ack_in_check_mode_reports_the_change_and_sends_no_post(run_playbook, sandbox):
    ids = sandbox.add_tasks([{"duration": 0}, {"duration": 0}])
    run = run_playbook(ACK, extra_vars={"ids": ids}, check=True)
    assert run.result("Ack")["result"]["changed"] is True
    assert sandbox.counters()["routes"].get("POST /cloud/v1/tasks/{task_id}/acknowledge", 0) == 0
    assert all(sandbox.task(task_id)["acknowledged_at"] is None for task_id in ids)
    run = run_playbook(ACK, extra_vars={"ids": ids})
    assert run.result("Ack")["result"]["changed"] is True
    run = run_playbook(ACK, extra_vars={"ids": ids})
    assert run.result("Ack")["result"]["changed"] is False
    assert sandbox.counters()["routes"]["POST /cloud/v1/tasks/{task_id}/acknowledge"] == 2


def test_bad_task_ids_fail_clearly_before_any_request(run_playbook, sandbox):
    run = run_playbook(WAIT_FOR_SEEDED, extra_vars={"ids": ["../../etc/passwd"], "timeout": 5})
    result = run.result("Wait")["result"]
    assert "must be UUIDs" in result["msg"] and "../../etc/passwd" in result["msg"]
    assert sandbox.counters()["total"] == 0
