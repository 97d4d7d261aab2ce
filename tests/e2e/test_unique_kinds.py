# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""unique_by on every kind the module knows: the issue's network -> subnet -> volume + instance -> floating IP
stack runs with --check, for real, again (no write) and with --check again; clusters; error states."""

import re

from gcore_e2e import base_args, run_module

STACK = """
- name: A small web stack
  hosts: localhost
  gather_facts: false
  module_defaults:
    gcore.tasks.gcore_request:
      project_id: 1
      region_id: 76
  tasks:
    - name: Network
      gcore.tasks.gcore_request:
        method: POST
        path: /cloud/v1/networks/{project_id}/{region_id}
        body: {name: web-net}
        unique_by: [name]
      register: network

    - name: Subnet
      gcore.tasks.gcore_request:
        method: POST
        path: /cloud/v1/subnets/{project_id}/{region_id}
        body:
          name: web-subnet
          network_id: "{{ network.created_resources.networks[0] | default('') }}"
          cidr: 10.0.0.0/24
        unique_by: [name, network_id]
      register: subnet

    - name: Volume
      gcore.tasks.gcore_request:
        method: POST
        path: /cloud/v1/volumes/{project_id}/{region_id}
        body: {source: new-volume, name: web-data, size: 1}
        unique_by: [name]
      register: volume

    - name: Instance
      gcore.tasks.gcore_request:
        method: POST
        path: /cloud/v2/instances/{project_id}/{region_id}
        body:
          name: web-1
          flavor: g1-standard-1-2
          interfaces:
            - type: subnet
              network_id: "{{ network.created_resources.networks[0] | default('') }}"
              subnet_id: "{{ subnet.created_resources.subnets[0] | default('') }}"
          volumes:
            - {source: image, image_id: f01fd9a0-9548-48ba-82dc-a8c8b2d6f2f1, size: 10, boot_index: 0}
            - {source: existing-volume, volume_id: "{{ volume.created_resources.volumes[0] | default('') }}"}
        unique_by: [name]
      register: instance

    - name: Floating IP
      gcore.tasks.gcore_request:
        method: POST
        path: /cloud/v1/floatingips/{project_id}/{region_id}
        body: {tags: {stack: web, role: public-ip}}
        unique_by: [tags]
      register: floating_ip

    - name: Everything the stack holds
      ansible.builtin.debug:
        var: gcore_created_record
"""
STEPS = ("Network", "Subnet", "Volume", "Instance", "Floating IP")
KEYS = ("networks", "subnets", "volumes", "instances", "floatingips")


def recap_changed(run):
    found = re.search(r"^localhost\s*:.*\bchanged=(\d+)", run.stdout, re.M)
    assert found, run.stdout + run.stderr
    return int(found.group(1))


def ids_of(run):
    return dict((key, run.result(step)["result"]["created_resources"][key]) for step, key in zip(STEPS, KEYS))


def test_the_stack_runs_in_check_mode_for_real_again_and_in_check_mode_again(run_playbook, sandbox):
    checked = run_playbook(STACK, check=True)
    assert checked.rc == 0, checked.stdout + checked.stderr
    assert sandbox.counters()["writes"] == 0
    assert ids_of(checked) == dict((key, []) for key in KEYS)

    real = run_playbook(STACK)
    assert real.rc == 0, real.stdout + real.stderr
    created = ids_of(real)
    assert all(len(ids) == 1 for ids in created.values()), created
    assert sandbox.counters()["writes"] == 5
    sandbox.reset_counters()

    again = run_playbook(STACK)
    assert again.rc == 0, again.stdout + again.stderr
    assert sandbox.counters()["writes"] == 0, sandbox.counters()["write_routes"]
    assert recap_changed(again) == 0
    assert ids_of(again) == created
    listed = sandbox.counters()["routes"]
    assert listed["GET /cloud/v1/instances/{project_id}/{region_id}"] == 1, "instances are listed at v1"
    assert listed["GET /cloud/v1/tasks/{project_id}/{region_id}/active"] == 5, "one read of the active creates a step"
    assert sandbox.counters()["total"] == 10, "one read of the active creates and one list read per step, nothing else"
    record = again.result("Everything the stack holds")["result"]["gcore_created_record"]
    assert dict((key, record["created_resources"][key]) for key in KEYS) == created
    assert all(record["scopes"][ids[0]] == {"project_id": 1, "region_id": 76} for ids in created.values())
    names = [item["name"] for item in sandbox.resources(kind="volumes")]
    assert names.count("web-data") == 1

    checked = run_playbook(STACK, check=True)
    assert checked.rc == 0 and recap_changed(checked) == 0, checked.stdout + checked.stderr
    assert ids_of(checked) == created
    assert sandbox.counters()["writes"] == 0


def cluster(sandbox, **args):
    body = {"name": "prod-k8s", "keypair": "k", "version": "1.30",
            "pools": [{"name": "pool-1", "flavor_id": "g1-standard-2-4", "min_node_count": 1}]}
    return run_module(args.pop("collections_path"), "gcore_request", base_args(
        sandbox, method="POST", path="/cloud/v2/k8s/clusters/1/76", body=body, **args))


def test_a_cluster_rerun_adopts_it_instead_of_a_409(sandbox, collections_path):
    first = cluster(sandbox, collections_path=collections_path, unique_by=["name"])
    assert first.rc == 0, first
    refused = cluster(sandbox, collections_path=collections_path)
    assert refused.failed and "ClusterAlreadyExists" in refused.msg, refused
    writes = sandbox.counters()["writes"]
    again = cluster(sandbox, collections_path=collections_path, unique_by=["name"])
    assert again.rc == 0, again
    assert sandbox.counters()["writes"] == writes and again.result["changed"] is False
    assert again.result["created_resources"]["k8s_clusters"] == first.result["created_resources"]["k8s_clusters"]
    assert again.result["results"][0]["existing"]["status"] == "Provisioned"


def test_a_match_whose_create_failed_fails_the_call_naming_it(sandbox, collections_path):
    args = base_args(sandbox, method="POST", path="/cloud/v1/networks/1/76", body={"name": "fail-net"},
                     unique_by=["name"])
    failed = run_module(collections_path, "gcore_request", args)
    assert failed.failed and "create_network, ERROR" in failed.msg, failed
    network_id = [item["id"] for item in sandbox.resources(kind="networks")][0]
    writes = sandbox.counters()["writes"]
    run = run_module(collections_path, "gcore_request", args)
    assert run.failed, run
    assert sandbox.counters()["writes"] == writes, "a write was sent though the match is in error"
    assert "matches %s" % network_id in run.msg and "status ERROR" in run.msg
    assert run.result["matched_ids"] == [network_id]
