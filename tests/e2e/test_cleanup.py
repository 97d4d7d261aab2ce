# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""gcore_cleanup end to end: a stack of every kind torn down in one rescue step, reruns, 404, 409, check mode."""

import json
import textwrap
import time
from pathlib import Path

import pytest
import requests

from gcore_e2e import API_KEY, base_args, run_module
from play_helpers import localhost_play

# The stack's first steps; the teardown test builds with these two alone.
CREATE_NETWORK = """\
- name: Create the network
  gcore.tasks.gcore_request:
    method: POST
    path: /cloud/v1/networks/{project_id}/{region_id}
    body: {name: e2e-net}
  register: network"""
CREATE_VOLUMES = """\
- name: Create the volumes
  gcore.tasks.gcore_request:
    method: POST
    path: /cloud/v1/volumes/{project_id}/{region_id}
    bodies:
      - {source: new-volume, name: e2e-data-1, size: 1}
      - {source: new-volume, name: e2e-data-2, size: 1}
  register: volumes"""

# Every kind the module deletes, built so that the sandbox refuses a wrong order: the subnet carries the
# instance's port, the router's interface, the load balancer and the cluster; an existing volume is
# attached to the instance; the instance has a floating IP and a boot volume that goes with it.
STACK_PLAYBOOK = localhost_play("""\
- name: Build the stack
  block:
%(network)s
    - name: Create the subnet
      gcore.tasks.gcore_request:
        method: POST
        path: /cloud/v1/subnets/{project_id}/{region_id}
        body: {name: e2e-subnet, network_id: "{{ network.created_resources.networks[0] }}", cidr: 10.0.0.0/24}
      register: subnet
    - name: Create the router on the subnet
      gcore.tasks.gcore_request:
        method: POST
        path: /cloud/v1/routers/{project_id}/{region_id}
        body: {name: e2e-router, interfaces: [{type: subnet, subnet_id: "{{ subnet.created_resources.subnets[0] }}"}]}
      register: router
%(volumes)s
    - name: Create the instance on the subnet, with a floating IP, a boot volume and a data volume
      gcore.tasks.gcore_request:
        method: POST
        path: /cloud/v2/instances/{project_id}/{region_id}
        body:
          name: e2e-vm
          flavor: g1-standard-1-2
          interfaces:
            - type: subnet
              network_id: "{{ network.created_resources.networks[0] }}"
              subnet_id: "{{ subnet.created_resources.subnets[0] }}"
              floating_ip: {source: new}
          volumes:
            - {source: image, size: 1, boot_index: 0, delete_on_termination: true}
            - {source: existing-volume, volume_id: "{{ volumes.created_resources.volumes[0] }}"}
      register: instance
    - name: Create a floating IP of its own
      gcore.tasks.gcore_request:
        method: POST
        path: /cloud/v1/floatingips/{project_id}/{region_id}
        body: {}
      register: floating_ip
    - name: Create the load balancer on the subnet
      gcore.tasks.gcore_request:
        method: POST
        path: /cloud/v1/loadbalancers/{project_id}/{region_id}
        body:
          name: e2e-lb
          vip_subnet_id: "{{ subnet.created_resources.subnets[0] }}"
          listeners: [{name: http, protocol: HTTP, protocol_port: 80, pools: [{name: web, protocol: HTTP}]}]
      register: loadbalancer
    - name: Create the Kubernetes cluster on the subnet
      gcore.tasks.gcore_request:
        method: POST
        path: /cloud/v2/k8s/clusters/{project_id}/{region_id}
        body:
          name: e2e-k8s
          fixed_network: "{{ network.created_resources.networks[0] }}"
          fixed_subnet: "{{ subnet.created_resources.subnets[0] }}"
          pools: [{name: workers, flavor_id: g1-standard-2-4, min_node_count: 1}]
      register: cluster
    - name: A step that fails
      gcore.tasks.gcore_request:
        method: POST
        path: /cloud/v1/volumes/{project_id}/{region_id}
        body: {source: new-volume, name: reject-late, size: 1}
  rescue:
    - name: Undo the stack
      gcore.tasks.gcore_cleanup:
        created: "{{ [network, subnet, router, volumes, instance, floating_ip, loadbalancer, cluster,
                      ansible_failed_result] }}"
        progress_interval: 1
      register: undone
""" % dict(network=textwrap.indent(CREATE_NETWORK, " " * 4), volumes=textwrap.indent(CREATE_VOLUMES, " " * 4)),
    name="Build a stack of every kind, fail, and undo it in one step", wait_sleep=0.2)

DELETE_ROUTES = ("DELETE /cloud/v1/volumes/{project_id}/{region_id}/{volume_id}",) + tuple(
    "DELETE %s/{project_id}/{region_id}/{resource_id}" % base for base in (
        "/cloud/v1/instances", "/cloud/v1/networks", "/cloud/v1/subnets", "/cloud/v1/floatingips",
        "/cloud/v1/loadbalancers", "/cloud/v2/k8s/clusters", "/cloud/v1/routers"))


@pytest.fixture
def quick(sandbox):
    """Short resource lifetimes: a volume task 0.3 s (an instance 0.6 s, a cluster 1.2 s)."""
    sandbox.configure(volume_duration=0.3, volume_queue=0.05)
    return sandbox


def deletes(sandbox):
    """(route, status) of every DELETE the sandbox answered, in order."""
    return [(entry["route"], entry["status"]) for entry in sandbox.timeline() if entry["method"] == "DELETE"]


def create(sandbox, kind_path, body):
    """Create one resource through the API and wait (reading the sandbox) until its task ended; its task."""
    answer = requests.post(sandbox.url + kind_path, json=body, headers={"Authorization": "APIKey " + API_KEY},
                           timeout=10)
    answer.raise_for_status()
    task_id = answer.json()["tasks"][0]
    while sandbox.task(task_id)["state"] not in ("FINISHED", "ERROR"):
        time.sleep(0.05)
    return sandbox.task(task_id)


@pytest.mark.parametrize("network_router", [False, True])
def test_a_failed_stack_of_every_kind_is_undone_in_one_rescue_step_in_order_without_a_409(
        run_playbook, quick, network_router):
    # network_router: the network gets a router by default, as the API's create_router; its task names only
    # the network, the subnet gets an interface on it, and the subnet and network refuse deletion while it is there.
    quick.configure(network_router=network_router)
    run = run_playbook(STACK_PLAYBOOK)
    assert run.rc == 0, run.stdout + run.stderr  # rescued
    undone = run.result("Undo the stack")["result"]
    assert undone["failed_resources"] == [] and undone["not_started"] == {}, undone
    assert undone["changed"] is True
    assert set(undone["deleted"]) == set(["k8s_clusters", "loadbalancers", "instances", "floatingips", "volumes",
                                          "routers", "subnets", "networks"])
    assert len(undone["deleted"]["floatingips"]) == 2 and len(undone["deleted"]["volumes"]) == 2
    network = run.result("Create the network")["result"]
    assert list(network["created_resources"]) == ["networks"]
    if network_router:  # found by its creator task, the network's, and deleted with the other router
        (made,) = list(undone["made_with"])
        assert undone["made_with"] == {made: network["created_resources"]["networks"][0]}
        (router,) = [item for item in quick.resources("routers", include_gone=True) if item["id"] == made]
        assert router["creator_task_id"] == network["task_ids"][0]
        assert len(undone["deleted"]["routers"]) == 2 and made in undone["deleted"]["routers"]
    else:
        assert undone["made_with"] == {} and len(undone["deleted"]["routers"]) == 1
    # The boot volume went with its instance: its DELETE answered 404.
    instance = run.result("Create the instance on the subnet, with a floating IP, a boot volume and a data volume")
    assert undone["already_gone"] == {"volumes": list(instance["result"]["created_resources"]["volumes"])}
    assert set(undone["with_parent"]) == set(["ports", "k8s_pools", "listeners", "pools"])
    assert quick.resources() == [], "every resource is gone"
    answered = deletes(quick)
    assert [status for _route, status in answered if status == 409] == []
    # Rank by rank: no DELETE of a later kind before the last DELETE of an earlier one.
    order = [route.split("/")[3] if "/k8s/" not in route else "k8s" for route, _status in answered]
    ranks = ["k8s", "loadbalancers", "instances", "floatingips", "volumes", "routers", "subnets", "networks"]
    assert [ranks.index(kind) for kind in order] == sorted(ranks.index(kind) for kind in order)
    assert "gcore_cleanup: step 1 of 8: deleting 1 Kubernetes cluster" in run.stdout
    assert "gcore_cleanup: step 3 of 8: deleting 1 instance" in run.stdout
    assert "tasks ended" in run.stdout


RERUN_PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Clean up
      gcore.tasks.gcore_cleanup:
        created: {created}
        wait_sleep: 0.2
      register: first
    - name: Clean up again
      gcore.tasks.gcore_cleanup:
        created: {created}
      register: second
    - name: Read the record fact
      ansible.builtin.debug:
        var: gcore_created_record
"""


def test_a_rerun_on_the_same_input_changes_nothing_and_finds_everything_already_gone(run_playbook, quick):
    network = create(quick, "/cloud/v1/networks/1/76", {"name": "net"})
    volume = create(quick, "/cloud/v1/volumes/1/76", {"source": "new-volume", "name": "data", "size": 1})
    run = run_playbook(RERUN_PLAYBOOK.format(created=json.dumps({"tasks": [network, volume]})))
    assert run.rc == 0, run.stdout + run.stderr
    first, second = run.result("Clean up")["result"], run.result("Clean up again")["result"]
    assert first["changed"] is True and set(first["deleted"]) == set(["networks", "volumes"])
    assert second["changed"] is False and second["deleted"] == {} and second["task_ids"] == []
    assert second["already_gone"] == first["deleted"]
    assert [status for _route, status in deletes(quick)] == [200, 200, 404, 404]
    assert run.result("Clean up again")["status"] == "ok"


def test_a_resource_already_deleted_is_already_gone_and_the_rest_is_deleted(collections_path, quick):
    kept = create(quick, "/cloud/v1/volumes/1/76", {"source": "new-volume", "name": "kept", "size": 1})
    gone = create(quick, "/cloud/v1/volumes/1/76", {"source": "new-volume", "name": "gone", "size": 1})
    gone_id = gone["created_resources"]["volumes"][0]
    requests.delete(quick.url + "/cloud/v1/volumes/1/76/" + gone_id,
                    headers={"Authorization": "APIKey " + API_KEY}, timeout=10).raise_for_status()
    while quick.resource(gone_id)["phase"] is not None:
        time.sleep(0.05)
    run = run_module(collections_path, "gcore_cleanup", base_args(quick, created={"tasks": [kept, gone]},
                                                                  wait_sleep=0.2))
    assert not run.failed, run
    assert run.result["already_gone"] == {"volumes": [gone_id]}
    assert run.result["deleted"] == {"volumes": kept["created_resources"]["volumes"]}


SUBNET_DELETE = "DELETE /cloud/v1/subnets/{project_id}/{region_id}/{resource_id}"


def test_a_409_is_retried_until_the_delete_is_accepted(collections_path, quick):
    network = create(quick, "/cloud/v1/networks/1/76", {"name": "net"})
    subnet = create(quick, "/cloud/v1/subnets/1/76", {"name": "sub", "cidr": "10.1.0.0/24",
                                                      "network_id": network["created_resources"]["networks"][0]})
    quick.add_fault(route=SUBNET_DELETE, status=409, times=2,
                    body={"exception_class": "SubnetInUse", "message": "ports are being released",
                          "request_id": "req-409"})
    run = run_module(collections_path, "gcore_cleanup", base_args(quick, created={"tasks": [network, subnet]},
                                                                  wait_sleep=0.2, conflict_timeout=30))
    assert not run.failed, run
    assert set(run.result["deleted"]) == set(["subnets", "networks"])
    assert [status for route, status in deletes(quick) if route == SUBNET_DELETE] == [409, 409, 200]
    assert quick.resources() == []


def test_a_409_that_outlasts_conflict_timeout_fails_naming_the_resource_and_stops_later_ranks(collections_path, quick):
    network = create(quick, "/cloud/v1/networks/1/76", {"name": "net"})
    network_id = network["created_resources"]["networks"][0]
    subnet = create(quick, "/cloud/v1/subnets/1/76", {"name": "sub", "cidr": "10.1.0.0/24", "network_id": network_id})
    subnet_id = subnet["created_resources"]["subnets"][0]
    # An instance the input does not name keeps a port on the subnet: the API refuses the subnet's delete.
    create(quick, "/cloud/v2/instances/1/76", {"name": "other", "flavor": "f", "interfaces": [
        {"type": "subnet", "network_id": network_id, "subnet_id": subnet_id}]})
    run = run_module(collections_path, "gcore_cleanup", base_args(quick, created={"tasks": [network, subnet]},
                                                                  conflict_timeout=1.5))
    assert run.failed and run.rc != 0, run
    failure = run.result["failed_resources"][0]
    assert failure["kind"] == "subnets" and failure["id"] == subnet_id and failure["status"] == 409
    assert "SubnetInUse" in failure["message"] and failure["request_id"]
    assert run.msg.startswith("1 resource(s) could not be deleted: subnets %s" % subnet_id)
    assert "(request_id %s)" % failure["request_id"] in run.msg
    assert run.result["not_started"] == {"networks": [network_id]}
    assert len([1 for route, _status in deletes(quick) if route == SUBNET_DELETE]) >= 2
    assert not [route for route, _status in deletes(quick) if "/networks/" in route]


def test_check_mode_reads_and_sends_no_delete(collections_path, quick):
    kept = create(quick, "/cloud/v1/volumes/1/76", {"source": "new-volume", "name": "kept", "size": 1})
    cluster = create(quick, "/cloud/v2/k8s/clusters/1/76", {"name": "k8s-check", "pools": [{"name": "p"}]})
    created = {"tasks": [kept, cluster], "created_resources": {"volumes": ["0c0c0c0c-0000-4000-8000-000000000000"]}}
    quick.reset_counters()
    run = run_module(collections_path, "gcore_cleanup", base_args(quick, created=created, project_id=1, region_id=76,
                                                                  _ansible_check_mode=True))
    assert not run.failed, run
    assert quick.counters()["writes"] == 0
    assert run.result["would_delete"] == {"k8s_clusters": cluster["created_resources"]["k8s_clusters"],
                                          "volumes": kept["created_resources"]["volumes"]}
    assert run.result["already_gone"] == {"volumes": ["0c0c0c0c-0000-4000-8000-000000000000"]}
    assert run.result["deleted"] == {} and run.result["changed"] is True
    assert len(quick.resources()) == 2


def test_a_cluster_is_deleted_by_the_name_its_id_is_listed_under(collections_path, quick):
    cluster = create(quick, "/cloud/v2/k8s/clusters/1/76", {"name": "k8s-by-name", "pools": [{"name": "p"}]})
    run = run_module(collections_path, "gcore_cleanup", base_args(quick, created={"tasks": [cluster]},
                                                                  wait_sleep=0.2))
    assert not run.failed, run
    assert run.result["deleted"] == {"k8s_clusters": cluster["created_resources"]["k8s_clusters"]}
    assert [entry["path"] for entry in quick.timeline() if entry["method"] == "DELETE"] == [
        "/cloud/v2/k8s/clusters/1/76/k8s-by-name"]
    assert run.result["with_parent"] == {"k8s_pools": cluster["created_resources"]["k8s_pools"]}


BUILD_PLAYBOOK = localhost_play(CREATE_NETWORK + "\n" + CREATE_VOLUMES + "\n")
TEARDOWN = Path(__file__).resolve().parents[2] / "examples" / "teardown.yml"


def test_the_teardown_playbook_deletes_what_the_record_fact_holds_and_empties_it(run_playbook, quick, tmp_path):
    cache = dict(ANSIBLE_CACHE_PLUGIN="jsonfile", ANSIBLE_CACHE_PLUGIN_CONNECTION=str(tmp_path / "facts"))
    built = run_playbook(BUILD_PLAYBOOK, env=cache)
    assert built.rc == 0, built.stdout + built.stderr
    assert len(quick.resources()) == 3
    run = run_playbook(str(TEARDOWN), env=cache)
    assert run.rc == 0, run.stdout + run.stderr
    teardown = run.result("Delete every resource of the record, in dependency order")["result"]
    assert set(teardown["deleted"]) == set(["networks", "volumes"]) and len(teardown["deleted"]["volumes"]) == 2
    assert quick.resources() == []
    assert "Deleted 3 resource(s); 0 were already gone." in run.result("Say what was deleted")["result"]["msg"]
    cached = json.loads(next((tmp_path / "facts").glob("*localhost")).read_text())
    cached = json.loads(cached["__payload__"]) if "__payload__" in cached else cached  # ansible-core 2.19 wraps it
    assert cached["gcore_created_record"]["created_resources"] == {}
    assert cached["gcore_created_record"]["task_ids"] == [], "the tasks with nothing left to delete are cleared"
    again = run_playbook(str(TEARDOWN), env=cache)
    assert again.rc == 0
    result = again.result("Delete every resource of the record, in dependency order")
    assert result["result"]["changed"] is False and result["result"]["deleted"] == {}
    assert [status for _route, status in deletes(quick)] == [200, 200, 200]


UNWAITED_PLAYBOOK = localhost_play("""\
- name: Create a volume without waiting
  gcore.tasks.gcore_request:
    method: POST
    path: /cloud/v1/volumes/{project_id}/{region_id}
    body: {source: new-volume, name: unwaited-data, size: 1}
    wait: false
  register: unwaited
- name: Undo it from the registered result, which names only its task
  gcore.tasks.gcore_cleanup:
    created: "{{ unwaited }}"
  register: undone
- name: Undo it again
  gcore.tasks.gcore_cleanup:
    created: "{{ unwaited }}"
  register: again
""", wait_sleep=0.2)


def test_a_create_sent_with_wait_false_is_deleted_from_its_task_and_a_rerun_finds_it_gone(run_playbook, quick):
    run = run_playbook(UNWAITED_PLAYBOOK)
    assert run.rc == 0, run.stdout + run.stderr
    undone, again = run.result("Undo it from the registered result, which names only its task")["result"], \
        run.result("Undo it again")["result"]
    (volume,) = quick.resources("volumes", include_gone=True)
    assert volume["phase"] is None
    assert undone["changed"] is True and undone["deleted"] == {"volumes": [volume["id"]]}
    assert again["changed"] is False and again["already_gone"] == {"volumes": [volume["id"]]}
