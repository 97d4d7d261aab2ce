# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Created IDs as facts: a later play of the same run reads them, and a fact cache carries them to a later run."""

import json

WAIT_ROLE = "gcore.tasks.task_wait : Wait for the tasks"

WAIT_THEN_READ_IN_A_LATER_PLAY = """
- name: Wait, without register
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Wait
      gcore.tasks.gcore_task_wait:
        task_ids: "{{ ids }}"
        wait_sleep: 0.2

- name: A later play reads the facts
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Read the facts
      ansible.builtin.debug:
        msg:
          created_resources: "{{ gcore_created_resources }}"
          created_resources_by_task: "{{ gcore_created_resources_by_task }}"
          task_ids: "{{ gcore_task_ids }}"
          namespaced: "{{ ansible_facts.gcore_created_resources }}"
"""


def test_a_later_play_reads_the_ids_the_wait_module_set_as_facts_without_register(run_playbook, sandbox):
    ids = sandbox.add_tasks([{"task_type": "create_vm", "duration": 0.2}, {"task_type": "create_volume", "duration": 0.3}])
    run = run_playbook(WAIT_THEN_READ_IN_A_LATER_PLAY, extra_vars={"ids": ids})
    assert run.rc == 0, run.stdout + run.stderr
    facts = run.result("Read the facts")["result"]["msg"]
    vm, volume = (sandbox.task(task_id)["created_resources"] for task_id in ids)
    assert facts["created_resources"] == {"instances": vm["instances"], "volumes": volume["volumes"]}
    assert facts["created_resources_by_task"] == {ids[0]: {"instances": vm["instances"]},
                                                  ids[1]: {"volumes": volume["volumes"]}}
    assert facts["task_ids"] == ids
    assert facts["namespaced"] == facts["created_resources"]


ROLE_TWICE_THEN_READ = """
- name: Wait with the role, twice, and once more for the same tasks
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Wait for the instances
      ansible.builtin.include_role:
        name: gcore.tasks.task_wait
      vars:
        task_wait_task_ids: "{{ first }}"
        task_wait_sleep: 0.2
    - name: Wait for the volumes
      ansible.builtin.include_role:
        name: gcore.tasks.task_wait
      vars:
        task_wait_task_ids: "{{ second }}"
        task_wait_sleep: 0.2
    - name: Wait for the instances again
      ansible.builtin.include_role:
        name: gcore.tasks.task_wait
      vars:
        task_wait_task_ids: "{{ first }}"
        task_wait_sleep: 0.2

- name: A later play reads what the role published
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Read the facts
      ansible.builtin.debug:
        msg:
          created_resources: "{{ gcore_created_resources }}"
          task_ids: "{{ gcore_task_ids }}"
"""


def test_a_later_play_reads_the_union_of_every_wait_of_the_task_wait_role(run_playbook, sandbox):
    first = sandbox.add_tasks([{"task_type": "create_vm", "duration": 0.2}, {"task_type": "create_vm", "duration": 0.2}])
    second = sandbox.add_tasks([{"task_type": "create_volume", "duration": 0.2}])
    run = run_playbook(ROLE_TWICE_THEN_READ, extra_vars={"first": first, "second": second})
    assert run.rc == 0, run.stdout + run.stderr
    facts = run.result("Read the facts")["result"]["msg"]
    instances = [i for task_id in first for i in sandbox.task(task_id)["created_resources"]["instances"]]
    assert facts["created_resources"] == {"instances": instances,
                                          "volumes": sandbox.task(second[0])["created_resources"]["volumes"]}
    assert facts["task_ids"] == first + second


CACHE_WRITE = {
    "module": """
- name: Wait (job 1)
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Wait
      gcore.tasks.gcore_task_wait:
        task_ids: "{{ ids }}"
        wait_sleep: 0.2
""",
    "role": """
- name: Wait (job 1)
  hosts: localhost
  gather_facts: false
  roles:
    - role: gcore.tasks.task_wait
      task_wait_task_ids: "{{ ids }}"
      task_wait_sleep: 0.2
""",
}

CACHE_READ = """
- name: A separate, later run (job 2) reads the cached facts
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Read the facts
      ansible.builtin.debug:
        msg:
          created_resources: "{{ gcore_created_resources | default('undefined') }}"
          task_ids: "{{ ansible_facts.gcore_task_ids | default('undefined') }}"
"""


def untagged(value):
    """A cached value without ansible-core 2.19's type/origin wrappers ({"__ansible_type", "value", "tags"})."""
    if isinstance(value, dict):
        if "__ansible_type" in value and "value" in value:
            return untagged(value["value"])
        return {key: untagged(item) for key, item in value.items()}
    if isinstance(value, list):
        return [untagged(item) for item in value]
    return value


def cached_facts(cache_dir):
    """The facts the jsonfile cache holds for localhost (ansible-core 2.19 wraps them in a __payload__)."""
    files = [path for path in cache_dir.iterdir() if path.name.endswith("localhost")]
    assert len(files) == 1, "cache files: %s" % sorted(path.name for path in cache_dir.iterdir())
    content = json.loads(files[0].read_text())
    return untagged(json.loads(content["__payload__"]) if "__payload__" in content else content)


def test_the_jsonfile_fact_cache_carries_the_ids_to_a_separate_later_run(run_playbook, sandbox, tmp_path):
    cache_dir = tmp_path / "fact-cache"
    cache = {"ANSIBLE_CACHE_PLUGIN": "jsonfile", "ANSIBLE_CACHE_PLUGIN_CONNECTION": str(cache_dir)}
    for writer in ("module", "role"):
        ids = sandbox.add_tasks([{"task_type": "create_volume", "duration": 0.2}])
        run = run_playbook(CACHE_WRITE[writer], extra_vars={"ids": ids}, env=cache)
        assert run.rc == 0, run.stdout + run.stderr
        volumes = sandbox.task(ids[0])["created_resources"]["volumes"]

        stored = cached_facts(cache_dir)
        assert stored["gcore_created_resources"] == {"volumes": volumes}, writer
        assert stored["gcore_task_ids"] == ids, writer
        if writer == "module":
            # The module's ansible_facts are facts, so the cache stores them without any set_fact.
            assert stored["gcore_created_resources_by_task"] == {ids[0]: {"volumes": volumes}}

        requests_before = sandbox.counters()["total"]
        later = run_playbook(CACHE_READ, env=cache)
        assert later.rc == 0, later.stdout + later.stderr
        assert later.result("Read the facts")["result"]["msg"] == {"created_resources": {"volumes": volumes},
                                                                   "task_ids": ids}, writer
        assert sandbox.counters()["total"] == requests_before


def test_without_a_fact_cache_a_separate_run_does_not_see_the_ids(run_playbook, sandbox):
    ids = sandbox.add_tasks([{"task_type": "create_volume", "duration": 0.2}])
    assert run_playbook(CACHE_WRITE["module"], extra_vars={"ids": ids}).rc == 0
    later = run_playbook(CACHE_READ, env={"ANSIBLE_CACHE_PLUGIN": "memory"})
    assert later.result("Read the facts")["result"]["msg"] == {"created_resources": "undefined", "task_ids": "undefined"}


ROLE_ONLY = """
- name: Wait with the role
  hosts: localhost
  gather_facts: false
  roles:
    - role: gcore.tasks.task_wait
      task_wait_sleep: 0.2
"""


def test_the_task_wait_role_waits_for_gcore_task_ids_handed_over_by_a_previous_node(run_playbook, sandbox):
    ids = sandbox.add_tasks([{"task_type": "create_network", "duration": 0.2}])
    run = run_playbook(ROLE_ONLY, extra_vars={"gcore_task_ids": ids})
    assert run.rc == 0, run.stdout + run.stderr
    waited = run.result(WAIT_ROLE)["result"]
    assert [task["id"] for task in waited["tasks"]] == ids
    assert waited["created_resources"] == {"networks": sandbox.task(ids[0])["created_resources"]["networks"]}


def test_the_task_wait_role_fails_clearly_without_task_ids_and_sends_nothing(run_playbook, sandbox):
    run = run_playbook(ROLE_ONLY)
    assert run.rc != 0
    check = run.result("gcore.tasks.task_wait : Check that there are task IDs to wait for")
    assert check["status"] == "failed"
    assert "task_wait_task_ids" in check["result"]["msg"] and "gcore_task_ids" in check["result"]["msg"]
    assert sandbox.counters()["total"] == 0


def test_the_task_wait_role_passes_its_timeout_to_the_module(run_playbook, sandbox):
    stuck = sandbox.add_task(task_type="create_vm", duration=None)
    run = run_playbook(ROLE_ONLY.replace("task_wait_sleep: 0.2", "task_wait_sleep: 0.2\n      task_wait_timeout: 1"),
                       extra_vars={"gcore_task_ids": [stuck]})
    waited = run.result(WAIT_ROLE)
    assert waited["status"] == "failed"
    assert "Timed out after 1.0s" in waited["result"]["msg"] and stuck in waited["result"]["msg"]
