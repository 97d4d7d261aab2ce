# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""gcore_cleanup deletes what a create still running when its wait gave up goes on to make."""

import pytest

from play_helpers import localhost_play


@pytest.fixture
def sandbox(request_clock_sandbox):
    """Task durations count API requests, not seconds (see conftest.RequestClockSandbox)."""
    return request_clock_sandbox


TIMED_OUT_PLAYBOOK = localhost_play("""\
- name: Build, with a wait that gives up while the volume is still being created
  block:
    - name: Create the volume
      gcore.tasks.gcore_request:
        method: POST
        path: /cloud/v1/volumes/{project_id}/{region_id}
        body: {source: new-volume, name: slow-data, size: 1}
        wait_timeout: 1
  rescue:
    - name: Undo what the play started
      gcore.tasks.gcore_cleanup:
        created: ["{{ gcore_created_record | default({}) }}", "{{ ansible_failed_result }}"]
      register: undone
""", name="A wait that times out, then a rescue", wait_sleep=0.2)


def test_a_create_still_running_when_its_wait_timed_out_is_waited_for_and_deleted(run_playbook, sandbox):
    # The volume's ID does not exist when the wait gives up: the failed result names its task only. On the
    # request clock the volume takes 30 requests: the create's 1 s wait gives up long before, however
    # loaded the machine, and the rescue's first read still finds it running.
    sandbox.configure(volume_duration=30.0, volume_queue=0.0)
    run = run_playbook(TIMED_OUT_PLAYBOOK)
    assert run.rc == 0, run.stdout + run.stderr  # rescued
    assert run.result("Create the volume")["status"] == "failed"
    failed = run.result("Create the volume")["result"]
    assert failed["created_resources"] == {} and len(failed["pending_tasks"]) == 1
    undone = run.result("Undo what the play started")["result"]
    (volume,) = sandbox.resources("volumes", include_gone=True)
    assert volume["name"] == "slow-data" and volume["phase"] is None, "created, then deleted"
    assert undone["created_by_tasks"] == {"volumes": [volume["id"]]}
    assert undone["deleted"] == {"volumes": [volume["id"]]} and undone["still_creating"] == []
    assert sandbox.counters()["write_routes"].get("POST /cloud/v1/volumes/{project_id}/{region_id}") == 1
    assert "gcore_cleanup: waiting for 1 create task(s) of created still running, to delete what they make" \
        in run.stdout
    assert "The IDs the other tasks created" not in failed["msg"], "it created nothing"
