# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a person reads of a wait: the size and shape of a failed result at default verbosity."""

FAILED_WAIT = """
- name: A wait over many tasks, one of which fails
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Wait for the tasks
      gcore.tasks.gcore_task_wait:
        task_ids: "{{ ids }}"
        wait_sleep: 0.2
        full_tasks: "{{ full_tasks }}"
"""
MAX_FAILED_OUTPUT = 40 * 1024


def _hundred_tasks_one_error(sandbox):
    ids = sandbox.add_tasks([{"task_type": "create_vm", "duration": 0} for _unused in range(99)])
    bad = sandbox.add_task(task_type="create_vm", duration=0, outcome="ERROR", error="Quota exceeded: cores 4 of 4")
    return ids[:50] + [bad] + ids[50:], bad


def test_a_failed_wait_over_100_tasks_prints_at_most_40_kb_naming_the_failed_task_first(run_playbook, sandbox):
    ids, bad = _hundred_tasks_one_error(sandbox)
    run = run_playbook(FAILED_WAIT, extra_vars={"ids": ids, "full_tasks": False})
    assert run.rc == 2, run.stdout + run.stderr
    size = len(run.stdout.encode("utf-8"))
    assert size <= MAX_FAILED_OUTPUT, "the failed wait printed %d bytes" % size
    result = run.result("Wait for the tasks")["result"]
    assert result["msg"].startswith("1 of 100 task(s) failed: %s (create_vm, ERROR): Quota exceeded" % bad)
    assert "ansible_facts" not in result, "facts are only set on success; a rescue reads the registered result"
    created = [i for task_id in ids if task_id != bad for i in sandbox.task(task_id)["created_resources"]["instances"]]
    assert result["created_resources"] == {"instances": created}, "every created ID is still returned"
    assert len(result["tasks"]) == 100 and all(
        task.get("created_resources", {}) == result["created_resources_by_task"].get(task["id"], {})
        for task in result["tasks"])
    assert not [task for task in result["tasks"] for ids in (task.get("created_resources") or {}).values() if not ids]


def test_full_tasks_returns_every_field_of_every_task_as_the_api_sent_it(run_playbook, sandbox):
    ids, bad = _hundred_tasks_one_error(sandbox)
    run = run_playbook(FAILED_WAIT, extra_vars={"ids": ids, "full_tasks": True})
    assert run.rc == 2, run.stdout + run.stderr
    result = run.result("Wait for the tasks")["result"]
    assert result["tasks"] == [sandbox.task(task_id) for task_id in ids]
    assert len(run.stdout.encode("utf-8")) > 3 * MAX_FAILED_OUTPUT, "the compact default is what keeps it small"
