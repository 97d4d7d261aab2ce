# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A cancelled job stops working (issue #18, point 3).

ansible-runner (AWX without container isolation, CI, ansible-navigator --ee false) cancels a
job by SIGKILL to ansible-playbook's process group. The workers run in sessions of their own,
so the modules are not in that group: each must notice that the controller is gone and stop.
Each test starts ansible-playbook in a process group of its own, signals the group, and reads
what the sandbox received afterwards; it ends every process it started that is still alive.
"""

import contextlib
import os
import signal
import time

import pytest

from fleet_helpers import CREATE_ROUTE, TASK_ROUTES, WAVE, Fleet, start_sandbox, timeline, wait_until

# The bound: no request this long after the kill. The modules notice much sooner.
QUIET_AFTER = 15.0
PROJECT_ID, REGION_ID = 1, 76

WAIT_PLAYBOOK = """
- name: Wait for tasks that never end
  hosts: fleet
  gather_facts: false
  tasks:
    - name: Wait
      gcore.tasks.gcore_task_wait:
        task_ids: "{{ ids }}"
        wait_sleep: 0.5
"""

BATCH_PLAYBOOK = """
- name: One batch of 300 bodies
  hosts: fleet
  gather_facts: false
  tasks:
    - name: Create the volumes
      gcore.tasks.gcore_request:
        method: POST
        path: /cloud/v1/volumes/{project_id}/{region_id}
        project_id: %d
        region_id: %d
        bodies: "{{ bodies }}"
""" % (PROJECT_ID, REGION_ID)


@pytest.fixture
def cancel_sandbox():
    with start_sandbox(volume_duration=1.0, volume_queue=0.2) as api:
        yield api


@pytest.fixture
def make_fleet(tmp_path, cancel_sandbox):
    """make_fleet(hosts): a Fleet on the test's sandbox; every fleet made ends its processes after the test."""
    with contextlib.ExitStack() as fleets:
        yield lambda hosts: fleets.enter_context(Fleet(tmp_path, cancel_sandbox, hosts=hosts))


def _kill_group(process, signum):
    """Signal ansible-playbook's process group as ansible-runner does; the moment (epoch seconds) it was sent."""
    moment = time.time()
    os.killpg(process.pid, signum)
    return moment


def _progress_files(fleet):
    return sorted(str(path) for path in fleet.local_temp.rglob("gcore-progress-*.txt"))


def test_sigkill_of_the_group_during_a_wait_ends_every_hosts_wait_within_one_round(make_fleet, cancel_sandbox):
    fleet = make_fleet(hosts=3)
    ids = cancel_sandbox.add_tasks([{"duration": None, "project_id": PROJECT_ID, "region_id": REGION_ID}] * 4)
    process, _log = fleet.start(WAIT_PLAYBOOK, extra_vars={"ids": ids})
    # Every host's module is waiting: three processes, and a few poll rounds each went out.
    assert wait_until(lambda: len(fleet.module_processes()) == 3 and len(timeline(cancel_sandbox)) >= 12, 120), \
        "the waits did not start"
    killed_at = _kill_group(process, signal.SIGKILL)
    process.wait(timeout=30)
    gone_after = wait_until(lambda: not fleet.module_processes(), QUIET_AFTER)
    assert gone_after, "a module still runs %.0f s after the kill" % QUIET_AFTER
    log = timeline(cancel_sandbox)
    after = [entry for entry in log if entry["t"] > killed_at]
    assert all(entry["t"] <= killed_at + QUIET_AFTER for entry in log), "a request came 15 s after the kill"
    # At most one more poll round (about two requests) per host once the controller is gone.
    assert len([entry for entry in after if entry["route"] in TASK_ROUTES]) <= 2 * 3, after
    assert wait_until(lambda: not fleet.processes(), QUIET_AFTER), "a worker of the killed job lives on"
    assert _progress_files(fleet) == [], "a killed job left its progress files behind"


def test_sigkill_of_the_group_during_a_batch_of_300_bodies_sends_at_most_one_more_wave(make_fleet, cancel_sandbox):
    fleet = make_fleet(hosts=1)
    # Each call takes 0.1 s, so the batch takes seconds and the kill lands in the middle of it.
    cancel_sandbox.configure(latency=0.1)
    bodies = [dict(source="new-volume", size=1, name="batch-%03d" % number) for number in range(300)]
    process, _log = fleet.start(BATCH_PLAYBOOK, extra_vars={"bodies": bodies})
    assert wait_until(lambda: cancel_sandbox.counters()["routes"].get(CREATE_ROUTE, 0) >= 23, 120), \
        "the batch did not start"
    killed_at = _kill_group(process, signal.SIGKILL)
    process.wait(timeout=30)
    assert wait_until(lambda: not fleet.module_processes(), QUIET_AFTER), \
        "the module still runs %.0f s after the kill" % QUIET_AFTER
    log = timeline(cancel_sandbox)
    writes = [entry for entry in log if entry["route"] == CREATE_ROUTE]
    late = [entry for entry in writes if entry["t"] > killed_at]
    assert len(late) <= WAVE, "%d writes started after the kill (one wave is %d)" % (len(late), WAVE)
    assert len(writes) < len(bodies)
    assert all(entry["t"] <= killed_at + QUIET_AFTER for entry in log), "a request came 15 s after the kill"


def test_sigterm_of_the_group_during_a_wait_leaves_no_progress_file(make_fleet, cancel_sandbox):
    fleet = make_fleet(hosts=2)
    ids = cancel_sandbox.add_tasks([{"duration": None, "project_id": PROJECT_ID, "region_id": REGION_ID}] * 2)
    process, _log = fleet.start(WAIT_PLAYBOOK, extra_vars={"ids": ids})
    assert wait_until(lambda: len(_progress_files(fleet)) == 2 and len(fleet.module_processes()) == 2, 120), \
        "the waits did not start"
    _kill_group(process, signal.SIGTERM)
    process.wait(timeout=30)
    assert wait_until(lambda: not fleet.processes(), QUIET_AFTER), "a process of the stopped job lives on"
    assert _progress_files(fleet) == [], "SIGTERM left progress files behind"
