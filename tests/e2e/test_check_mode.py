# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""--check through a chain, --diff, and the gcore_created_record fact, through ansible-playbook."""

import re

CREATE = "POST /cloud/v1/volumes/{project_id}/{region_id}"

CHAIN = """
- name: A chain of steps that each use the step before
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/gcore.tasks.all:
      api_url: "{{ lookup('ansible.builtin.env', 'GCORE_BASE_URL') }}"
    gcore.tasks.gcore_request:
      project_id: 1
      region_id: 76
  tasks:
    - name: Create the volume unless it exists
      gcore.tasks.gcore_request:
        method: POST
        path: /cloud/v1/volumes/{project_id}/{region_id}
        body: {source: new-volume, name: chain-data, size: 1, metadata: {admin_password: "s3cr3t-Pa55-9q"}}
        unique_by: [name]
        wait: false
      register: create

    - name: Wait for its task
      gcore.tasks.gcore_task_wait:
        task_ids: "{{ create.task_ids }}"
        wait_timeout: 60
      register: waited

    - name: Read the volume
      gcore.tasks.gcore_request:
        path: /cloud/v1/volumes/{project_id}/{region_id}/{{ create.created_resources.volumes[0] }}
      when: create.created_resources.volumes | length > 0
      register: volume
"""


def recap_changed(run):
    """The changed= count of the PLAY RECAP line of localhost."""
    found = re.search(r"^localhost\s*:.*\bchanged=(\d+)", run.stdout, re.M)
    assert found, run.stdout
    return int(found.group(1))


def writes(sandbox):
    counters = sandbox.counters()
    return counters["writes"]


def test_check_mode_runs_a_chain_on_an_empty_sandbox_without_a_write(run_playbook, sandbox):
    run = run_playbook(CHAIN, check=True)
    assert run.rc == 0, run.stdout + run.stderr
    assert writes(sandbox) == 0
    create = run.result("Create the volume unless it exists")["result"]
    assert create["changed"] is True
    assert create["created_resources"] == {"volumes": []}, "the kind's key is there, no invented ID"
    entry = create["results"][0]
    assert entry["existing"] is None and entry["would_send"] is True and entry["sent"] is False
    assert entry["body"]["name"] == "chain-data"
    waited = run.result("Wait for its task")["result"]
    assert waited["changed"] is False and waited["tasks"] == [] and not waited.get("failed")
    assert run.result("Read the volume")["status"] == "skipped"


def test_check_mode_after_a_real_run_returns_the_real_ids_and_changes_nothing(run_playbook, sandbox):
    real = run_playbook(CHAIN)
    assert real.rc == 0, real.stdout + real.stderr
    volume_id = real.result("Wait for its task")["result"]["created_resources"]["volumes"][0]
    before = writes(sandbox)
    run = run_playbook(CHAIN, check=True)
    assert run.rc == 0, run.stdout + run.stderr
    assert writes(sandbox) == before
    create = run.result("Create the volume unless it exists")["result"]
    assert create["changed"] is False and create["created_resources"] == {"volumes": [volume_id]}
    assert create["results"][0]["existing"]["id"] == volume_id
    assert run.result("Read the volume")["result"]["json"]["id"] == volume_id
    assert recap_changed(run) == 0
    # Outside check mode an empty task_ids list still fails gcore_task_wait: a rerun skips the wait.
    rerun = run_playbook(CHAIN.replace("      register: waited\n",
                                       "      register: waited\n      when: create.task_ids | length > 0\n"))
    assert rerun.rc == 0 and recap_changed(rerun) == 0, rerun.stdout
    assert rerun.result("Wait for its task")["status"] == "skipped"
    assert writes(sandbox) == before


def test_diff_shows_each_body_that_would_be_sent_with_secrets_masked(run_playbook, sandbox):
    run = run_playbook(CHAIN, check=True, args=["--diff"])
    assert run.rc == 0, run.stdout + run.stderr
    assert "chain-data" in run.stdout and "POST /cloud/v1/volumes/1/76" in run.stdout
    assert "s3cr3t-Pa55-9q" not in run.stdout + run.stderr
    assert "admin_password" in run.stdout
    diff = run.result("Create the volume unless it exists")["result"]["diff"]
    assert diff[0]["after"]["name"] == "chain-data" and diff[0]["before"] == {}


RECORD = """
- name: First play
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/gcore.tasks.all:
      api_url: "{{ lookup('ansible.builtin.env', 'GCORE_BASE_URL') }}"
    gcore.tasks.gcore_request:
      project_id: 1
      region_id: 76
  tasks:
    - name: Create two volumes, one call each
      gcore.tasks.gcore_request:
        method: POST
        path: /cloud/v1/volumes/{project_id}/{region_id}
        body: {source: new-volume, name: "{{ item }}", size: 1}
        unique_by: [name]
      loop: [rec-a, rec-b]

- name: Second play
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/gcore.tasks.all:
      api_url: "{{ lookup('ansible.builtin.env', 'GCORE_BASE_URL') }}"
  tasks:
    - name: Create a third volume without waiting
      gcore.tasks.gcore_request:
        method: POST
        path: /cloud/v1/volumes/1/76
        body: {source: new-volume, name: rec-c, size: 1}
        wait: false
      register: third

    - name: Wait for it
      gcore.tasks.gcore_task_wait:
        task_ids: "{{ third.task_ids }}"

    - name: Show the record
      ansible.builtin.debug:
        msg:
          record: "{{ gcore_created_record }}"
          latest: "{{ gcore_created_resources }}"
"""


def test_the_record_fact_holds_every_id_of_every_call_and_play(run_playbook, sandbox):
    run = run_playbook(RECORD)
    assert run.rc == 0, run.stdout + run.stderr
    shown = run.result("Show the record")["result"]["msg"]
    record, latest = shown["record"], shown["latest"]
    loop = run.result("Create two volumes, one call each")["result"]["results"]
    first_ids = [item["created_resources"]["volumes"][0] for item in loop]
    third_id = latest["volumes"][0]
    assert record["created_resources"] == {"volumes": first_ids + [third_id]}
    assert latest == {"volumes": [third_id]}, "gcore_created_resources keeps meaning the latest call"
    assert set(record["scopes"]) == set(first_ids + [third_id])
    assert all(scope == {"project_id": 1, "region_id": 76} for scope in record["scopes"].values())
    assert len(record["task_ids"]) == 3
    assert sandbox.counters()["routes"][CREATE] == 3


def test_a_rerun_adds_the_adopted_ids_to_the_record(run_playbook, sandbox):
    first = run_playbook(RECORD)
    assert first.rc == 0, first.stdout + first.stderr
    again = run_playbook(RECORD)
    assert again.rc == 0, again.stdout + again.stderr
    record = again.result("Show the record")["result"]["msg"]["record"]
    before = first.result("Show the record")["result"]["msg"]["record"]["created_resources"]["volumes"]
    # the two looped volumes adopted, rec-c (no unique_by) created again
    assert record["created_resources"]["volumes"][:2] == before[:2]
    assert len(record["created_resources"]["volumes"]) == 3 and record["created_resources"]["volumes"][2] != before[2]
    assert sandbox.counters()["routes"][CREATE] == 4


HANDED_ON = """
- name: A later workflow node
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Create a volume
      gcore.tasks.gcore_request:
        method: POST
        path: /cloud/v1/volumes/1/76
        body: {source: new-volume, name: node-2, size: 1}
        unique_by: [name]

    - name: Show the record
      ansible.builtin.debug:
        var: gcore_created_record
"""


def test_a_record_handed_on_as_an_extra_var_is_kept_and_extended(run_playbook, sandbox):
    earlier = {"created_resources": {"networks": ["net-1"], "volumes": ["vol-0"]},
               "scopes": {"net-1": {"project_id": 1, "region_id": 76}}, "task_ids": ["t-0"]}
    run = run_playbook(HANDED_ON, extra_vars={"gcore_created_record": earlier})
    assert run.rc == 0, run.stdout + run.stderr
    created = run.result("Create a volume")["result"]["created_resources"]["volumes"]
    record = run.result("Create a volume")["result"]["ansible_facts"]["gcore_created_record"]
    assert record["created_resources"] == {"networks": ["net-1"], "volumes": ["vol-0"] + created}
    assert record["scopes"]["net-1"] == {"project_id": 1, "region_id": 76}
    assert record["task_ids"][0] == "t-0" and len(record["task_ids"]) == 2
