# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""examples/cleanup_on_failure.yml: one gcore_cleanup step in the rescue undoes whatever the play created."""

from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "cleanup_on_failure.yml"
CREATE = "Create every volume, one call per body, and wait for every task"
CLEANUP = "Delete everything the play created, in dependency order"


def volumes(*names):
    return {"cleanup_volumes": [{"source": "new-volume", "name": name, "size": 1} for name in names]}


def deleted_in_order(sandbox):
    """The kinds the sandbox accepted a DELETE of, in the order it got them."""
    return [entry["path"].split("/")[3] for entry in sandbox.timeline()
            if entry["method"] == "DELETE" and entry["status"] == 200]


def assert_stack_deleted(run, sandbox, volume_ids):
    cleanup = run.result(CLEANUP)["result"]
    assert cleanup["failed_resources"] == [], cleanup
    assert sorted(cleanup["deleted"]["volumes"]) == sorted(volume_ids)
    assert len(cleanup["deleted"]["networks"]) == 1
    kinds = deleted_in_order(sandbox)
    assert kinds == ["volumes"] * len(volume_ids) + ["networks"]
    # What is left is only what a failed create left in an error state (its ID was never returned).
    assert [res for res in sandbox.resources() if res["phase"] != "error"] == []


def test_a_failed_task_makes_the_example_delete_the_whole_stack(run_playbook, sandbox):
    run = run_playbook(str(EXAMPLE), extra_vars=volumes("data-a", "fail-quota", "data-b"))
    assert run.rc != 0
    created_result = run.result(CREATE)
    assert created_result["status"] == "failed"
    created = created_result["result"]["created_resources"]["volumes"]
    assert len(created) == 2
    assert_stack_deleted(run, sandbox, created)
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
    assert_stack_deleted(run, sandbox, created)
    message = run.result("Fail with what went wrong")["result"]["msg"]
    assert "bodies[3] (call 4 of 13)" in message and "HTTP 422 ValidationError" in message


def test_without_a_failure_the_example_deletes_nothing(run_playbook, sandbox):
    run = run_playbook(str(EXAMPLE))
    assert run.rc == 0, run.stdout + run.stderr
    assert len(run.result(CREATE)["result"]["created_resources"]["volumes"]) == 2
    assert not [entry for entry in sandbox.timeline() if entry["method"] == "DELETE"]
    assert len(sandbox.resources()) == 3
