# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""examples/cleanup_on_failure.yml: the IDs a failed wait returns are enough to clean up."""

from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "cleanup_on_failure.yml"


def test_a_failed_task_makes_the_example_delete_every_volume_the_other_tasks_created(run_playbook, sandbox):
    run = run_playbook(str(EXAMPLE), extra_vars={"cleanup_volume_names": ["data-a", "fail-quota", "data-b"]})
    assert run.rc != 0
    waited = run.result("Wait for every task of every call")
    assert waited["status"] == "failed"
    created = waited["result"]["created_resources"]["volumes"]
    assert len(created) == 2
    deletions = run.result("Wait for the deletions")["result"]
    assert deletions["failed_tasks"] == [] and len(deletions["tasks"]) == 2
    assert {task["data"]["volume_id"] for task in deletions["tasks"]} == set(created)
    message = run.result("Fail with what went wrong")["result"]["msg"]
    assert "1 of 3 task(s) failed" in message and all(volume_id in message for volume_id in created)


def test_without_a_failure_the_example_deletes_nothing(run_playbook, sandbox):
    run = run_playbook(str(EXAMPLE))
    assert run.rc == 0, run.stdout + run.stderr
    assert len(run.result("Wait for every task of every call")["result"]["created_resources"]["volumes"]) == 2
    assert sandbox.counters()["routes"].get("DELETE /cloud/v1/volumes/{project_id}/{region_id}/{volume_id}", 0) == 0
