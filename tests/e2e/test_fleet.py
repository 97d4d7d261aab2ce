# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Forty hosts, one account: an account-wide rate limit and a crowded region (issue #18, points 1 and 2).

Each test runs one ansible-playbook over an inventory of 40 local hosts with 40 forks against
one sandbox account, as the hosts of one AWX job share one API key.
"""

import pytest

from fleet_helpers import (
    CREATE_ROUTE,
    Fleet,
    bodies_yaml,
    crowd,
    rate_limit,
    start_sandbox,
    task_reads,
    timeline,
    volumes_named,
    wait_bound,
)

HOSTS = 40
PROJECT_ID, REGION_ID = 1, 76

THREE_WRITES = """
- name: Every host creates three volumes with the default options
  hosts: fleet
  gather_facts: false
  tasks:
    - name: Create three volumes
      gcore.tasks.gcore_request:
        method: POST
        path: /cloud/v1/volumes/{project_id}/{region_id}
        project_id: %(project_id)d
        region_id: %(region_id)d
        bodies:
          - {source: new-volume, size: 1, name: "{{ inventory_hostname }}-a"}
          - {source: new-volume, size: 1, name: "{{ inventory_hostname }}-b"}
          - {source: new-volume, size: 1, name: "{{ inventory_hostname }}-c"}
""" % dict(project_id=PROJECT_ID, region_id=REGION_ID)

VOLUMES_PER_HOST = 25
WAIT_SLEEP = 1.0


MANY_WRITES = """
- name: Every host creates %(count)d volumes in the same region and waits for them
  hosts: fleet
  gather_facts: false
  tasks:
    - name: Create the volumes
      gcore.tasks.gcore_request:
        method: POST
        path: /cloud/v1/volumes/{project_id}/{region_id}
        project_id: %(project_id)d
        region_id: %(region_id)d
        wait_sleep: %(sleep)s
        bodies:
%(bodies)s
""" % dict(count=VOLUMES_PER_HOST, project_id=PROJECT_ID, region_id=REGION_ID, sleep=WAIT_SLEEP,
           bodies=bodies_yaml(VOLUMES_PER_HOST))


@pytest.fixture
def fleet_sandbox():
    with start_sandbox(volume_duration=2.0, volume_queue=0.3) as api:
        yield api


@pytest.fixture
def fleet(tmp_path, fleet_sandbox):
    with Fleet(tmp_path, fleet_sandbox, hosts=HOSTS) as runner:
        yield runner


def _host_results(results, task_name):
    by_host = results.get(task_name) or {}
    assert len(by_host) == HOSTS, "results of %d host(s), not %d" % (len(by_host), HOSTS)
    return by_host


def test_forty_hosts_of_three_writes_under_an_account_wide_limit_all_succeed_with_no_write_twice(
        fleet, fleet_sandbox):
    rate_limit(fleet_sandbox, 10)
    process, results = fleet.run(THREE_WRITES)
    by_host = _host_results(results, "Create three volumes")
    failed = dict((host, entry["result"].get("msg")) for host, entry in by_host.items() if entry["status"] != "ok")
    assert not failed, "%d of %d hosts failed, e.g. %s" % (len(failed), HOSTS, sorted(failed.items())[:2])
    assert process.returncode == 0, process.stdout[-3000:]
    log = timeline(fleet_sandbox)
    assert any(entry["status"] == 429 for entry in log), "the limit was never reached: the test proves nothing"
    for host, entry in by_host.items():
        result = entry["result"]
        assert result["changed"] is True, host
        assert len(result["task_ids"]) == 3 and len(result["created_resources"]["volumes"]) == 3, (host, result)
        assert [call["sent"] for call in result["results"]] == [True] * 3, host
    # Each body reached the API exactly once: one volume per name, one accepted POST per body.
    names = volumes_named(fleet_sandbox, PROJECT_ID, REGION_ID)
    assert len(names) == 3 * HOSTS and set(names.values()) == {1}, names
    accepted = [entry for entry in log if entry["route"] == CREATE_ROUTE and entry["status"] == 200]
    assert len(accepted) == 3 * HOSTS


def test_forty_hosts_of_25_volumes_in_one_crowded_region_stay_within_the_request_bound(fleet, fleet_sandbox):
    # A thousand other tasks of the same type stay active in the region; the fleet adds a thousand more.
    crowd(fleet_sandbox, 1000, PROJECT_ID, REGION_ID, spread=60.0)
    # Volumes take 8 s: enough poll rounds for reads by ID per round to show.
    fleet_sandbox.configure(volume_duration=8.0)
    fleet_sandbox.reset_counters()
    process, results = fleet.run(MANY_WRITES)
    by_host = _host_results(results, "Create the volumes")
    failed = dict((host, entry["result"].get("msg")) for host, entry in by_host.items() if entry["status"] != "ok")
    assert not failed, "%d of %d hosts failed, e.g. %s" % (len(failed), HOSTS, sorted(failed.items())[:2])
    assert process.returncode == 0, process.stdout[-3000:]
    bound = 0
    for host, entry in by_host.items():
        result = entry["result"]
        assert len(result["created_resources"]["volumes"]) == VOLUMES_PER_HOST, host
        bound += wait_bound(VOLUMES_PER_HOST, result["elapsed"], WAIT_SLEEP)
    counters = fleet_sandbox.counters()
    assert counters["routes"].get(CREATE_ROUTE) == HOSTS * VOLUMES_PER_HOST, "a body was sent twice or not at all"
    reads = task_reads(fleet_sandbox)
    assert reads <= bound, "the fleet's waits cost %d requests; the bound is %d (%.1f per host)" % (
        reads, bound, reads / float(HOSTS))
