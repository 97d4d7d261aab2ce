# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A two-node AWX workflow, run by AWX's engine (ansible-runner) against the sandbox.

Node 1 (examples/awx_create_volume.yml) creates a volume and waits with the task_wait role, which
set_stats the IDs. Node 2 (examples/awx_use_volume.yml) gets node 1's artifact_data (from its
playbook_on_stats event, as AWX reads it) as extra vars, reads the volume and acknowledges the tasks.
Both get the environment the gcore.tasks credential type injects, and nothing else of ours.
"""

import json
import re

import pytest
import yaml

from awx_helpers import REPO, clean_gcore_environment, credential_env, load_credential_type, run_job
from conftest import API_KEY

PROJECT_ID, REGION_ID = 1, 76
MODULE_ENV_NAMES = {"GCORE_API_KEY", "GCORE_BASE_URL", "GCORE_CLOUD_PROJECT_ID", "GCORE_CLOUD_REGION_ID"}


@pytest.fixture
def credential(sandbox, monkeypatch):
    """The job environment of a gcore.tasks credential pointing at the sandbox; GCORE_* of the test process removed."""
    clean_gcore_environment(monkeypatch)
    return credential_env(dict(api_key=API_KEY, api_url=sandbox.url,
                               project_id=str(PROJECT_ID), region_id=str(REGION_ID)))


def test_credential_injectors_set_exactly_the_environment_variables_the_modules_read():
    module_utils = (REPO / "plugins" / "module_utils" / "_module.py").read_text()
    read_by_modules = set(re.findall(r'env_fallback, \["(GCORE_[A-Z_]+)"\]', module_utils))
    assert read_by_modules == MODULE_ENV_NAMES
    credential_type = load_credential_type()
    assert set(credential_type["injectors"]["env"]) == MODULE_ENV_NAMES
    assert set(credential_type["injectors"]) == {"env"}, "no extra vars or files: the key stays out of the job's vars"
    fields = {field["id"]: field for field in credential_type["inputs"]["fields"]}
    assert fields["api_key"]["secret"] is True
    assert not any(field.get("secret") for name, field in fields.items() if name != "api_key")
    env = credential_env(dict(api_key="k", project_id="1", region_id="76"))
    assert env == {"GCORE_API_KEY": "k", "GCORE_BASE_URL": "https://api.gcore.com",
                   "GCORE_CLOUD_PROJECT_ID": "1", "GCORE_CLOUD_REGION_ID": "76"}


class _AnsibleYamlLoader(yaml.SafeLoader):
    """Reads playbooks with Ansible's !unsafe tag as plain strings."""


_AnsibleYamlLoader.add_constructor("!unsafe", lambda loader, node: loader.construct_scalar(node))


def test_the_credential_type_example_playbook_creates_the_shipped_credential_type():
    playbook = yaml.load((REPO / "examples" / "awx_credential_type.yml").read_text(), Loader=_AnsibleYamlLoader)
    (task,) = playbook[0]["tasks"]
    created = task["awx.awx.credential_type"]
    shipped = load_credential_type()
    for key in ("name", "description", "kind", "inputs", "injectors"):
        assert created[key] == shipped[key], key


def test_node_1_hands_the_created_volume_to_node_2_which_reads_it_and_acknowledges_the_tasks(
        sandbox, credential, collections_path, tmp_path):
    node_1 = run_job(tmp_path / "job-1", "awx_create_volume.yml", credential, collections_path,
                     extravars={"volume_name": "workflow-data"})
    assert (node_1.status, node_1.rc) == ("successful", 0), node_1.failures()

    (create_task_id,) = node_1.artifact_data["gcore_task_ids"]
    volume_ids = sandbox.task(create_task_id)["created_resources"]["volumes"]
    assert sandbox.task(create_task_id)["task_type"] == "create_volume"
    assert node_1.artifact_data == {
        "gcore_created_resources": {"volumes": volume_ids},
        "gcore_task_ids": [create_task_id],
        "gcore_handover": [{"task_ids": [create_task_id], "created_resources": {"volumes": volume_ids}}],
    }
    waited = node_1.result("Wait for the tasks")
    assert waited["changed"] is False and waited["created_resources"] == {"volumes": volume_ids}
    stats = node_1.result("Hand the IDs over to the next workflow node")["ansible_stats"]
    assert (stats["aggregate"], stats["per_host"]) == (True, False)

    (create,) = [r for r in sandbox.requests() if r["route"] == "POST /cloud/v1/volumes/{project_id}/{region_id}"]
    assert create["path"] == "/cloud/v1/volumes/%d/%d" % (PROJECT_ID, REGION_ID)
    assert json.loads(create["body"]) == {"source": "new-volume", "name": "workflow-data", "size": 10}
    asked = node_1.result("Ask Gcore to create the volume")
    assert not asked.get("censored") and asked["task_ids"] == [create_task_id], "no key in the task: no no_log"

    node_2 = run_job(tmp_path / "job-2", "awx_use_volume.yml", credential, collections_path,
                     extravars=node_1.artifact_data)
    assert (node_2.status, node_2.rc) == ("successful", 0), node_2.failures()
    volume = node_2.result("Show the volume")["msg"]
    assert volume == {"id": volume_ids[0], "name": "workflow-data", "status": "available", "size": 10}
    acknowledged = node_2.result("Acknowledge the tasks of the previous node")
    assert acknowledged["changed"] is True
    assert [task["id"] for task in acknowledged["tasks"]] == [create_task_id]
    assert sandbox.task(create_task_id)["acknowledged_at"] is not None
    assert node_2.artifact_data == {}

    for job in (node_1, node_2):
        assert API_KEY not in json.dumps(job.events), "the API key leaked into the job events"
    authorizations = {r["headers"].get("Authorization") for r in sandbox.requests()}
    assert authorizations == {"APIKey " + API_KEY}


def test_a_failed_create_task_fails_node_1_and_publishes_nothing(sandbox, credential, collections_path, tmp_path):
    node_1 = run_job(tmp_path / "job-1", "awx_create_volume.yml", credential, collections_path,
                     extravars={"volume_name": "fail-quota"})
    assert node_1.status == "failed" and node_1.rc != 0
    (failure,) = node_1.failures()
    assert failure["task"] == "Wait for the tasks"
    assert failure["res"]["failed_tasks"][0]["error"].startswith("Quota exceeded")
    assert node_1.artifact_data == {}


def test_node_2_without_ids_from_a_previous_node_fails_clearly_before_any_request(
        sandbox, credential, collections_path, tmp_path):
    node_2 = run_job(tmp_path / "job-2", "awx_use_volume.yml", credential, collections_path)
    assert node_2.status == "failed" and node_2.rc != 0
    (failure,) = node_2.failures()
    assert failure["task"] == "Check that the previous node handed over a volume"
    assert "gcore_created_resources.volumes" in failure["res"]["msg"]
    assert sandbox.counters()["total"] == 0


SEVERAL_WAITS = """
- name: Wait with the role several times in one job
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Wait for the instances
      ansible.builtin.include_role:
        name: gcore.tasks.task_wait
      vars:
        task_wait_task_ids: "{{ first }}"
        task_wait_sleep: 0.2
    - name: Wait for the volume and the instances again
      ansible.builtin.include_role:
        name: gcore.tasks.task_wait
      vars:
        task_wait_task_ids: "{{ second + first }}"
        task_wait_sleep: 0.2
"""


def test_several_waits_in_one_job_hand_over_the_union_of_their_ids(sandbox, credential, collections_path, tmp_path):
    first = sandbox.add_tasks([{"task_type": "create_vm", "duration": 0.2}, {"task_type": "create_vm", "duration": 0.2}])
    second = sandbox.add_tasks([{"task_type": "create_volume", "duration": 0.2}])
    project = tmp_path / "job" / "project"
    project.mkdir(parents=True)
    (project / "several_waits.yml").write_text(SEVERAL_WAITS)
    job = run_job(tmp_path / "job", "several_waits.yml", credential, collections_path,
                  extravars={"first": first, "second": second})
    assert (job.status, job.rc) == ("successful", 0), job.failures()
    instances = [i for task_id in first for i in sandbox.task(task_id)["created_resources"]["instances"]]
    volumes = sandbox.task(second[0])["created_resources"]["volumes"]
    assert job.artifact_data == {
        "gcore_created_resources": {"instances": instances, "volumes": volumes},
        "gcore_task_ids": first + second,
        "gcore_handover": [{"task_ids": first, "created_resources": {"instances": instances}},
                           {"task_ids": second, "created_resources": {"volumes": volumes}}],
    }


def ancestor_artifacts(*jobs):
    """The extra vars AWX gives a workflow node: its ancestors' artifact_data, each node's keys over the earlier ones'.

    AWX (WorkflowJobNode.get_job_kwargs) updates a dict with the parent node's ancestor artifacts, then
    with the parent job's artifacts: a key a later node publishes replaces the earlier node's whole value.
    """
    extra_vars = {}
    for job in jobs:
        extra_vars.update(job.artifact_data)
    return extra_vars


def test_a_three_node_chain_hands_every_id_and_task_id_to_the_last_node(
        sandbox, credential, collections_path, tmp_path):
    node_1 = run_job(tmp_path / "job-1", "awx_create_volume.yml", credential, collections_path,
                     extravars={"volume_name": "chain-1"})
    assert (node_1.status, node_1.rc) == ("successful", 0), node_1.failures()
    node_2 = run_job(tmp_path / "job-2", "awx_create_volume.yml", credential, collections_path,
                     extravars=dict(ancestor_artifacts(node_1), volume_name="chain-2"))
    assert (node_2.status, node_2.rc) == ("successful", 0), node_2.failures()

    (task_1,) = node_1.artifact_data["gcore_task_ids"]
    (task_2,) = node_2.result("Ask Gcore to create the volume")["task_ids"]
    (volume_1,) = sandbox.task(task_1)["created_resources"]["volumes"]
    (volume_2,) = sandbox.task(task_2)["created_resources"]["volumes"]
    assert node_2.artifact_data == {
        "gcore_created_resources": {"volumes": [volume_1, volume_2]},
        "gcore_task_ids": [task_1, task_2],
        "gcore_handover": [{"task_ids": [task_1, task_2], "created_resources": {"volumes": [volume_1, volume_2]}}],
    }, "node 2 hands on node 1's IDs with its own, though its published keys replace node 1's"
    assert [task["id"] for task in node_2.result("Wait for the tasks")["tasks"]] == [task_2], "node 2 waits for its own"

    node_3 = run_job(tmp_path / "job-3", "awx_use_volume.yml", credential, collections_path,
                     extravars=ancestor_artifacts(node_1, node_2))
    assert (node_3.status, node_3.rc) == ("successful", 0), node_3.failures()
    assert node_3.result("Show the volume")["msg"]["name"] == "chain-1"
    acknowledged = node_3.result("Acknowledge the tasks of the previous node")
    assert sorted(task["id"] for task in acknowledged["tasks"]) == sorted([task_1, task_2])
    assert all(sandbox.task(task_id)["acknowledged_at"] is not None for task_id in (task_1, task_2)), \
        "node 1's task is acknowledged too"


THREE_HOSTS = """
- name: Three hosts of the job's inventory
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Add the hosts
      ansible.builtin.add_host:
        name: "{{ item }}"
        groups: [web]
        ansible_connection: local
        ansible_python_interpreter: "{{ ansible_playbook_python }}"
      loop: [web-1, web-2, web-3]

- name: Each host creates a volume and waits for it and for a server task
  hosts: web
  gather_facts: false
  serial: "{{ batch | default(omit) }}"
  tasks:
    - name: Ask Gcore to create the volume
      gcore.tasks.gcore_request:
        method: POST
        path: /cloud/v1/volumes/{project_id}/{region_id}
        body: {source: new-volume, name: "data-{{ inventory_hostname }}", size: 1}
        wait: false
      register: create_volume

    - name: Wait with the role
      ansible.builtin.include_role:
        name: gcore.tasks.task_wait
      vars:
        task_wait_task_ids: "{{ create_volume.task_ids + [servers[inventory_hostname]] }}"
        task_wait_sleep: 0.2
"""


@pytest.mark.parametrize("batch", [None, 1], ids=["all-hosts-at-once", "serial-1"])
def test_a_three_host_play_hands_over_every_hosts_ids(sandbox, credential, collections_path, tmp_path, batch):
    hosts = ["web-1", "web-2", "web-3"]
    servers = dict(zip(hosts, sandbox.add_tasks([{"task_type": "create_vm", "duration": 0.2}] * 3)))
    project = tmp_path / "job-1" / "project"
    project.mkdir(parents=True)
    (project / "three_hosts.yml").write_text(THREE_HOSTS)
    extravars = {"servers": servers}
    if batch:
        extravars["batch"] = batch
    node_1 = run_job(tmp_path / "job-1", "three_hosts.yml", credential, collections_path, extravars=extravars)
    assert (node_1.status, node_1.rc) == ("successful", 0), node_1.failures()

    creates = {e["host"]: e["res"]["task_ids"][0] for e in node_1.task_results("Ask Gcore to create the volume")}
    assert sorted(creates) == hosts
    task_ids = [creates[host] for host in hosts] + [servers[host] for host in hosts]
    volumes = [sandbox.task(creates[host])["created_resources"]["volumes"][0] for host in hosts]
    instances = [sandbox.task(servers[host])["created_resources"]["instances"][0] for host in hosts]

    published = node_1.artifact_data
    assert sorted(published["gcore_task_ids"]) == sorted(task_ids), "every host's task IDs, each once"
    assert sorted(published["gcore_created_resources"]["volumes"]) == sorted(volumes)
    assert sorted(published["gcore_created_resources"]["instances"]) == sorted(instances)
    assert set(published["gcore_created_resources"]) == {"volumes", "instances"}
    handed = [task_id for record in published["gcore_handover"] for task_id in record["task_ids"]]
    assert sorted(handed) == sorted(task_ids)
    stats = node_1.task_results("Hand the IDs over to the next workflow node")
    assert len(stats) == (3 if batch else 1), "one host publishes for its batch"

    node_2 = run_job(tmp_path / "job-2", "awx_use_volume.yml", credential, collections_path,
                     extravars=ancestor_artifacts(node_1))
    assert (node_2.status, node_2.rc) == ("successful", 0), node_2.failures()
    acknowledged = node_2.result("Acknowledge the tasks of the previous node")
    assert sorted(task["id"] for task in acknowledged["tasks"]) == sorted(task_ids)


WAIT_ROLE = "gcore.tasks.task_wait : "
CREDENTIAL_SCOPE = {"GCORE_CLOUD_PROJECT_ID": str(PROJECT_ID), "GCORE_CLOUD_REGION_ID": str(REGION_ID)}


def assert_no_write_and_no_task_read(sandbox):
    """Nothing sent and nothing waited for (a create with unique_by still reads its list and the
    active create tasks, once, in check mode)."""
    counters = sandbox.counters()
    assert counters["writes"] == 0, counters
    task_routes = dict((route, count) for route, count in counters["routes"].items() if "/cloud/v1/tasks" in route)
    assert task_routes in ({}, {"GET /cloud/v1/tasks/{project_id}/{region_id}/active": 1}), counters


def test_node_1_in_check_mode_on_an_empty_sandbox_waits_for_nothing_and_succeeds(run_playbook, sandbox):
    run = run_playbook(str(REPO / "examples" / "awx_create_volume.yml"), check=True, env=CREDENTIAL_SCOPE)
    assert run.rc == 0, run.stdout + run.stderr
    assert run.result("Ask Gcore to create the volume")["result"]["changed"] is True, "would create"
    assert run.result(WAIT_ROLE + "Wait for the tasks")["status"] == "skipped"
    published = run.result(WAIT_ROLE + "Hand the IDs over to the next workflow node")["result"]["ansible_stats"]
    assert published["data"] == {"gcore_created_resources": {}, "gcore_task_ids": [], "gcore_handover": []}
    assert_no_write_and_no_task_read(sandbox)


ONLY_THE_ROLE = """
- name: A node that only waits
  hosts: localhost
  gather_facts: false
  roles:
    - role: gcore.tasks.task_wait
"""


def test_a_node_in_check_mode_with_nothing_to_wait_for_hands_on_what_earlier_nodes_published(run_playbook, sandbox):
    earlier = [{"task_ids": ["26986BC0-748A-4448-B836-0A2AA465EB06"], "created_resources": {"volumes": ["v-1"]}},
               {"task_ids": ["d478ae29-dedc-4869-82f0-96104425f565", "26986bc0-748a-4448-b836-0a2aa465eb06"],
                "created_resources": {"volumes": ["v-2", "v-1"], "projects": [7]}}]
    run = run_playbook(ONLY_THE_ROLE, extra_vars={"gcore_handover": earlier}, check=True)
    assert run.rc == 0, run.stdout + run.stderr
    assert run.result(WAIT_ROLE + "Wait for the tasks")["status"] == "skipped"
    task_ids = ["26986bc0-748a-4448-b836-0a2aa465eb06", "d478ae29-dedc-4869-82f0-96104425f565"]
    resources = {"volumes": ["v-1", "v-2"], "projects": [7]}
    published = run.result(WAIT_ROLE + "Hand the IDs over to the next workflow node")["result"]["ansible_stats"]
    assert published["data"] == {"gcore_created_resources": resources, "gcore_task_ids": task_ids,
                                 "gcore_handover": [{"task_ids": task_ids, "created_resources": resources}]}
    assert sandbox.counters()["total"] == 0


def test_without_task_ids_outside_check_mode_the_role_still_fails_before_any_request(run_playbook, sandbox):
    run = run_playbook(ONLY_THE_ROLE, extra_vars={"gcore_handover": []})
    assert run.rc != 0
    failed = [entry for entry in run.results if entry["status"] == "failed"]
    assert [entry["task"] for entry in failed] == [WAIT_ROLE + "Check that there are task IDs to wait for"]
    assert "needs task IDs" in failed[0]["result"]["msg"]
    assert sandbox.counters()["total"] == 0


@pytest.mark.parametrize("handover", ["v-1", {"task_ids": []}, [["v-1"]], [{"task_ids": "abc"}], [{"task_ids": [1]}],
                                      [{"created_resources": ["v-1"]}], [{"created_resources": {"volumes": "v-1"}}],
                                      [{"created_resources": {"volumes": 5}}]])
def test_a_malformed_handover_fails_naming_it_before_any_request(run_playbook, sandbox, handover):
    run = run_playbook(ONLY_THE_ROLE, extra_vars={"gcore_handover": handover,
                                                  "gcore_task_ids": ["26986bc0-748a-4448-b836-0a2aa465eb06"]})
    assert run.rc != 0
    failed = [entry for entry in run.results if entry["status"] == "failed"]
    assert [entry["task"] for entry in failed] == [WAIT_ROLE + "Check what earlier workflow nodes handed over"]
    assert "gcore_handover must be" in failed[0]["result"]["msg"]
    assert sandbox.counters()["total"] == 0


def test_a_check_mode_workflow_runs_both_nodes_on_an_empty_sandbox(run_playbook, sandbox):
    node_1 = run_playbook(str(REPO / "examples" / "awx_create_volume.yml"), check=True, env=CREDENTIAL_SCOPE)
    assert node_1.rc == 0, node_1.stdout + node_1.stderr
    handed = node_1.result(WAIT_ROLE + "Hand the IDs over to the next workflow node")["result"]["ansible_stats"]["data"]
    node_2 = run_playbook(str(REPO / "examples" / "awx_use_volume.yml"), check=True, env=CREDENTIAL_SCOPE,
                          extra_vars=handed)
    assert node_2.rc == 0, node_2.stdout + node_2.stderr
    for name in ("Read the volume", "Acknowledge the tasks of the previous node"):
        assert node_2.result(name)["status"] == "skipped", name
    assert_no_write_and_no_task_read(sandbox)


def test_node_2_reads_a_volume_handed_over_without_tasks_and_acknowledges_nothing(run_playbook, sandbox):
    created = run_playbook(str(REPO / "examples" / "awx_create_volume.yml"), env=CREDENTIAL_SCOPE,
                           extra_vars={"volume_name": "found-later"})
    assert created.rc == 0, created.stdout + created.stderr
    volumes = created.result(WAIT_ROLE + "Wait for the tasks")["result"]["created_resources"]["volumes"]
    sandbox.reset_counters()
    # What node 1 hands over when its write call found the volume already there: the ID, no task.
    node_2 = run_playbook(str(REPO / "examples" / "awx_use_volume.yml"), env=CREDENTIAL_SCOPE,
                          extra_vars={"gcore_created_resources": {"volumes": volumes}, "gcore_task_ids": [],
                                      "gcore_handover": [{"task_ids": [], "created_resources": {"volumes": volumes}}]})
    assert node_2.rc == 0, node_2.stdout + node_2.stderr
    assert node_2.result("Show the volume")["result"]["msg"]["name"] == "found-later"
    assert node_2.result("Acknowledge the tasks of the previous node")["status"] == "skipped"
    assert sandbox.counters()["routes"] == {"GET /cloud/v1/volumes/{project_id}/{region_id}/{volume_id}": 1}


FOUND_ALREADY = """
- name: A node whose write call found its resources already there
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Publish them without waiting
      ansible.builtin.include_role:
        name: gcore.tasks.task_wait
      vars:
        task_wait_task_ids: []
        task_wait_created_resources: "{{ found }}"
"""


def test_resources_that_need_no_wait_are_published_without_a_request(run_playbook, sandbox):
    found = {"volumes": ["v-1", "v-2"], "instances": [], "projects": [7]}
    run = run_playbook(FOUND_ALREADY, extra_vars={"found": found})
    assert run.rc == 0, run.stdout + run.stderr
    assert run.result(WAIT_ROLE + "Wait for the tasks")["status"] == "skipped"
    published = run.result(WAIT_ROLE + "Hand the IDs over to the next workflow node")["result"]["ansible_stats"]
    resources = {"volumes": ["v-1", "v-2"], "projects": [7]}
    assert published["data"] == {"gcore_created_resources": resources, "gcore_task_ids": [],
                                 "gcore_handover": [{"task_ids": [], "created_resources": resources}]}
    facts = run.result(WAIT_ROLE + "Keep the IDs as facts for later plays and the fact cache")["result"]["ansible_facts"]
    assert facts == {"gcore_created_resources": resources, "gcore_task_ids": []}
    assert sandbox.counters()["total"] == 0


@pytest.mark.parametrize("found, check", [
    (["v-1"], "Validating arguments against arg spec 'main'"),  # not a dict: the role's argument spec
    ("v-1", "Validating arguments against arg spec 'main'"),
    ({"volumes": "v-1"}, "Check the resources to publish without a task"),
    ({"volumes": 1}, "Check the resources to publish without a task"),
])
def test_malformed_resources_to_publish_fail_before_any_request(run_playbook, sandbox, found, check):
    run = run_playbook(FOUND_ALREADY, extra_vars={"found": found})
    assert run.rc != 0
    failed = [entry for entry in run.results if entry["status"] == "failed"]
    assert len(failed) == 1 and failed[0]["task"].startswith(WAIT_ROLE + check), failed
    assert "task_wait_created_resources" in failed[0]["result"]["msg"]
    assert sandbox.counters()["total"] == 0
