# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The gcore.tasks.task_ids filter in a real playbook: tasks started by a uri loop, then waited for."""

PLAYBOOK = """
- name: Start tasks with uri, wait for them through the filter
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Ask for volumes with uri (one item skipped)
      ansible.builtin.uri:
        url: "{{ lookup('ansible.builtin.env', 'GCORE_BASE_URL') }}/cloud/v1/volumes/1/76"
        method: POST
        headers:
          Authorization: "APIKey {{ lookup('ansible.builtin.env', 'GCORE_API_KEY') }}"
        body_format: json
        body: {source: new-volume, name: "{{ item }}", size: 1}
        status_code: [200, 201]
      loop: [data-1, skipped, data-2]
      when: item != 'skipped'
      register: create
      no_log: true

    - name: Wait for every task of the loop
      gcore.tasks.gcore_task_wait:
        task_ids: "{{ create | gcore.tasks.task_ids }}"
        wait_timeout: 30
        wait_sleep: 0.3
      register: waited

    - name: Same IDs from a raw answer list and from the wait's own result
      ansible.builtin.set_fact:
        from_answers: "{{ create.results | selectattr('json', 'defined') | map(attribute='json') | gcore.tasks.task_ids }}"
        from_waited: "{{ waited | gcore.tasks.task_ids }}"
"""


def test_task_ids_of_a_uri_loop_are_waited_for_and_give_the_created_volumes(run_playbook, sandbox):
    run = run_playbook(PLAYBOOK)
    assert run.rc == 0, run.stdout + run.stderr
    waited = run.result("Wait for every task of the loop")["result"]
    assert len(waited["created_resources"]["volumes"]) == 2
    assert sandbox.counters()["routes"]["POST /cloud/v1/volumes/{project_id}/{region_id}"] == 2
    facts = run.result("Same IDs from a raw answer list and from the wait's own result")["result"]["ansible_facts"]
    assert len(facts["from_answers"]) == 2 and facts["from_answers"] == facts["from_waited"]


REQUEST_PLAYBOOK = """
- name: Start tasks with gcore_request without waiting, then wait through the filter
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Ask for two volumes
      gcore.tasks.gcore_request:
        method: POST
        path: /cloud/v1/volumes/{project_id}/{region_id}
        project_id: 1
        region_id: 76
        bodies:
          - {source: new-volume, name: data-1, size: 1}
          - {source: new-volume, name: data-2, size: 1}
        wait: false
      register: requested

    - name: Wait for the tasks the filter found
      gcore.tasks.gcore_task_wait:
        task_ids: "{{ requested | gcore.tasks.task_ids }}"
        wait_timeout: 30
        wait_sleep: 0.3
      register: waited
"""


def test_task_ids_of_a_gcore_request_result_are_its_task_ids(run_playbook, sandbox):
    run = run_playbook(REQUEST_PLAYBOOK)
    assert run.rc == 0, run.stdout + run.stderr
    requested = run.result("Ask for two volumes")["result"]
    assert len(requested["task_ids"]) == 2
    waited = run.result("Wait for the tasks the filter found")["result"]
    assert [task["id"] for task in waited["tasks"]] == requested["task_ids"]
    assert len(waited["created_resources"]["volumes"]) == 2
