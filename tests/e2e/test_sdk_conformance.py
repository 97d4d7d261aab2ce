# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The sandbox's write calls, driven by the official SDK (package gcore): a check that no one here wrote them.

Each ``*_and_poll`` helper sends the create call with the SDK's own path and body, polls the task
it names, reads the ID from the task's created_resources and fetches the resource by that ID
(k8s clusters by name): it only finishes when all of that matches what the real API does.
"""

import pytest

from gcore_e2e import API_KEY

gcore = pytest.importorskip("gcore", reason="the official SDK (requirements-dev.txt) is not installed")

PROJECT, REGION = 1, 76


@pytest.fixture
def sdk(sandbox):
    sandbox.configure(volume_duration=0.3, volume_queue=0.05)
    client = gcore.Gcore(api_key=API_KEY, base_url=sandbox.url, cloud_project_id=PROJECT, cloud_region_id=REGION,
                         polling_interval_seconds=1, polling_timeout_seconds=30, max_retries=0)
    yield client
    client.close()


def created_by_task(sandbox, task_type):
    """The created_resources of the one task of that type the sandbox holds."""
    tasks = [task for task in map(sandbox.task, sandbox.task_ids()) if task["task_type"] == task_type]
    assert len(tasks) == 1, tasks
    assert tasks[0]["state"] == "FINISHED"
    return dict((key, ids) for key, ids in tasks[0]["created_resources"].items() if ids)


CREATES = [
    pytest.param(lambda c: c.cloud.volumes.create_and_poll(source="new-volume", name="sdk-vol", size=1),
                 "create_volume", "volumes", id="volume"),
    pytest.param(lambda c: c.cloud.instances.create_and_poll(
        flavor="g1-standard-1-2", interfaces=[{"type": "external"}],
        volumes=[{"source": "image", "image_id": "f01fd9a0-9548-48ba-82dc-a8c8b2d6f2f1", "size": 10,
                  "boot_index": 0}], name="sdk-vm"), "create_vm", "instances", id="instance"),
    pytest.param(lambda c: c.cloud.networks.create_and_poll(name="sdk-net"), "create_network", "networks",
                 id="network"),
    pytest.param(lambda c: c.cloud.networks.subnets.create_and_poll(
        name="sdk-subnet", cidr="10.0.0.0/24", network_id="b3c8b1a4-6c2e-4f4b-9f0e-2d3c4b5a6f70"),
        "create_subnet", "subnets", id="subnet"),
    pytest.param(lambda c: c.cloud.floating_ips.create_and_poll(), "create_fip", "floatingips", id="floating-ip"),
    pytest.param(lambda c: c.cloud.load_balancers.create_and_poll(name="sdk-lb"), "create_loadbalancer",
                 "loadbalancers", id="load-balancer"),
    pytest.param(lambda c: c.cloud.k8s.clusters.create_and_poll(
        name="sdk-k8s", keypair="my-key", version="v1.31.9",
        pools=[{"name": "pool-1", "flavor_id": "g1-standard-2-4", "min_node_count": 1, "max_node_count": 2}]),
        "create_k8s_cluster_v2", "k8s_clusters", id="k8s-cluster"),
]


@pytest.mark.parametrize("create, task_type, key", CREATES)
def test_the_sdks_create_and_poll_helpers_finish_with_the_created_ids(sdk, sandbox, create, task_type, key):
    resource = create(sdk)
    created = created_by_task(sandbox, task_type)
    assert resource.id == created[key][0]
    routes = sandbox.counters()["routes"]
    assert sum(count for route, count in routes.items() if route.startswith("POST ")) == 1
    assert any(route.startswith("GET ") and "{task_id}" in route for route in routes), routes


def test_the_sdks_delete_and_poll_removes_what_create_and_poll_made(sdk, sandbox):
    network = sdk.cloud.networks.create_and_poll(name="sdk-net-gone")
    sdk.cloud.networks.delete_and_poll(network_id=network.id)
    with pytest.raises(gcore.NotFoundError):
        sdk.cloud.networks.get(network_id=network.id)
