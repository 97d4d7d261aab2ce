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
    assert node_1.artifact_data == {"gcore_created_resources": {"volumes": volume_ids},
                                    "gcore_task_ids": [create_task_id]}
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
    assert failure["task"] == "Check that the previous node handed over a volume and its tasks"
    assert "gcore_task_ids" in failure["res"]["msg"]
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
    assert job.artifact_data == {
        "gcore_created_resources": {"instances": instances,
                                    "volumes": sandbox.task(second[0])["created_resources"]["volumes"]},
        "gcore_task_ids": first + second,
    }
