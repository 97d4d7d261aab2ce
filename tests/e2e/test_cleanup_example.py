# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""examples/cleanup_on_failure.yml: the IDs a failed gcore_request returns are enough to clean up."""

from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "cleanup_on_failure.yml"
CREATE = "Create every volume, one call per body, and wait for every task"
DELETE_ROUTE = "DELETE /cloud/v1/volumes/{project_id}/{region_id}/{volume_id}"


def volumes(*names):
    return {"cleanup_volumes": [{"source": "new-volume", "name": name, "size": 1} for name in names]}


def assert_deleted_exactly(run, sandbox, created):
    deletions = run.result("Wait for the deletions")["result"]
    assert deletions["failed_tasks"] == [] and len(deletions["tasks"]) == len(created)
    assert {task["data"]["volume_id"] for task in deletions["tasks"]} == set(created)
    assert sandbox.counters()["routes"][DELETE_ROUTE] == len(created)


def test_a_failed_task_makes_the_example_delete_every_volume_the_other_tasks_created(run_playbook, sandbox):
    run = run_playbook(str(EXAMPLE), extra_vars=volumes("data-a", "fail-quota", "data-b"))
    assert run.rc != 0
    created_result = run.result(CREATE)
    assert created_result["status"] == "failed"
    created = created_result["result"]["created_resources"]["volumes"]
    assert len(created) == 2
    assert_deleted_exactly(run, sandbox, created)
    message = run.result("Fail with what went wrong")["result"]["msg"]
    assert "1 of 3 task(s) failed" in message and all(volume_id in message for volume_id in created)


def test_a_refused_create_call_of_many_makes_the_example_delete_what_the_accepted_calls_created(
        run_playbook, sandbox):
    sandbox.configure(latency=0.1)
    names = ["data-%02d" % index for index in range(12)]
    run = run_playbook(str(EXAMPLE), extra_vars=volumes(*(names[:3] + ["reject-me"] + names[3:])))
    assert run.rc != 0
    result = run.result(CREATE)["result"]
    accepted = [call for call in result["results"] if call["status"] == 200]
    assert accepted and len(accepted) < 13, "calls after the refused one were not sent"
    created = result["created_resources"]["volumes"]
    assert len(created) == len(accepted), "every accepted call's task was waited for"
    assert_deleted_exactly(run, sandbox, created)
    message = run.result("Fail with what went wrong")["result"]["msg"]
    assert "bodies[3] (call 4 of 13)" in message and "HTTP 422 ValidationError" in message
    assert all(volume_id in message for volume_id in created)


def test_without_a_failure_the_example_deletes_nothing(run_playbook, sandbox):
    run = run_playbook(str(EXAMPLE))
    assert run.rc == 0, run.stdout + run.stderr
    assert len(run.result(CREATE)["result"]["created_resources"]["volumes"]) == 2
    assert sandbox.counters()["routes"].get(DELETE_ROUTE, 0) == 0
