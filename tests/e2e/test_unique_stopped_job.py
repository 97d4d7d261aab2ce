# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A job stopped mid-wait (SIGKILL, as an AWX cancel or a crash) is picked up by a rerun: no create twice."""

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import playbook_command

PLAYBOOK = """
- name: Create two volumes and wait for them
  hosts: localhost
  gather_facts: false
  module_defaults:
    gcore.tasks.gcore_request:
      project_id: 1
      region_id: 76
  tasks:
    - name: Create the volumes unless they exist
      gcore.tasks.gcore_request:
        method: POST
        path: /cloud/v1/volumes/{project_id}/{region_id}
        bodies:
          - {source: new-volume, name: stopped-a, size: 1}
          - {source: new-volume, name: stopped-b, size: 1}
        unique_by: [name]
        wait_sleep: 0.2
        wait_timeout: 120
      register: create
"""
CREATE = "POST /cloud/v1/volumes/{project_id}/{region_id}"


def start_playbook(tmp_path, sandbox, collections_path, name):
    """ansible-playbook in its own process group, in the background; its results go to a JSON-lines log."""
    playbook = tmp_path / "playbook.yml"
    playbook.write_text(PLAYBOOK)
    log = tmp_path / ("%s.jsonl" % name)
    command, environment = playbook_command(tmp_path, sandbox, collections_path, playbook, log)
    process = subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               cwd=str(tmp_path), start_new_session=True)
    return process, log


def descendants(pid):
    """Every process below C(pid), read from /proc (children before they can be re-parented)."""
    children = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def kill_job(process):
    """SIGKILL the playbook's process group and every process it started (the module may run in another group)."""
    below = descendants(process.pid)
    os.killpg(process.pid, signal.SIGKILL)
    for pid in below:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.wait(timeout=30)


def wait_until(condition, what, timeout=90.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("timed out waiting for %s" % what)


def polls_since(sandbox, count):
    """Task reads (the wait polling) logged after the first C(count) requests."""
    return [entry for entry in sandbox.requests()[count:] if entry["path"].startswith("/cloud/v1/tasks")]


@pytest.mark.parametrize("listed_from", ["accepted", "finished"])
def test_a_job_killed_mid_wait_is_rerun_and_adopts_and_waits_for_what_it_started(tmp_path, sandbox,
                                                                                 collections_path, listed_from):
    # accepted: the volumes are listed (creating) from the POST on; finished: an API that lists them
    # only once their tasks FINISHED, so the rerun finds the queued tasks themselves.
    sandbox.configure(listed_from=listed_from)
    moment = time.time()
    sandbox.clock = lambda: moment  # the volumes' tasks stay unfinished until the rerun waits for them
    first, _log = start_playbook(tmp_path, sandbox, collections_path, "first")
    try:
        wait_until(lambda: sandbox.counters()["routes"].get(CREATE, 0) == 2 and polls_since(sandbox, 0),
                   "the first job to create both volumes and start waiting")
    finally:
        kill_job(first)
    seen = len(sandbox.requests())
    rerun, log = start_playbook(tmp_path, sandbox, collections_path, "rerun")
    try:
        wait_until(lambda: polls_since(sandbox, seen), "the rerun to wait for the tasks of the stopped job")
        assert sandbox.counters()["routes"][CREATE] == 2, "the rerun created again"
        sandbox.clock = lambda: time.time() + 3600  # now the tasks end
        output, _unused = rerun.communicate(timeout=120)
    finally:
        if rerun.poll() is None:
            kill_job(rerun)
    assert rerun.returncode == 0, output
    result = [json.loads(line) for line in log.read_text().splitlines()][-1]["result"]
    assert sandbox.counters()["routes"][CREATE] == 2
    assert result["changed"] is False
    existing = [entry["existing"] for entry in result["results"]]
    assert [item["name"] for item in existing] == ["stopped-a", "stopped-b"]
    if listed_from == "accepted":
        assert all(item["status"] == "creating" and item["task_id"] and item["id"] for item in existing)
    else:  # found as tasks still queued: their IDs come from the tasks, once FINISHED
        assert all(item["status"] == "NEW" and item["task_id"] and item["id"] is None for item in existing)
    assert result["task_ids"] == [item["task_id"] for item in existing]
    assert [task["state"] for task in result["tasks"]] == ["FINISHED", "FINISHED"]
    volumes = [resource["id"] for resource in sandbox.resources("volumes")]
    assert len(volumes) == 2
    assert result["created_resources"]["volumes"] == [
        sandbox.task(item["task_id"])["created_resources"]["volumes"][0] for item in existing]
    assert sorted(result["created_resources"]["volumes"]) == sorted(volumes)
    if listed_from == "accepted":
        assert result["created_resources"]["volumes"] == [item["id"] for item in existing]
    assert result["ansible_facts"]["gcore_created_resources"]["volumes"] == result["created_resources"]["volumes"]
    assert all(sandbox.task(task_id)["task_type"] == "create_volume" for task_id in result["task_ids"])
