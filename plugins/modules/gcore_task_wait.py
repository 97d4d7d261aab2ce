#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: gcore_task_wait
short_description: Wait for Gcore Cloud tasks and return the IDs of what they created
version_added: 0.1.0
description:
  - 'Every Gcore Cloud write call answers at once with C({"tasks": [...]}) and works in the background.
    This module waits for all the given tasks at once, until each is C(FINISHED) or C(ERROR), and
    returns the IDs the tasks created, both as a registered result and as host facts.'
  - Tasks run in parallel on Gcore's side and are waited on together. Each poll round reads all
    pending tasks of one project and region with one list request (a page holds up to 1000 tasks),
    so the number of requests per round does not grow with the number of tasks; one or two tasks
    are read with their own C(GET /cloud/v1/tasks/{task_id}). On a busy account, where thousands of
    other tasks crowd that list, the project and region's active tasks are listed instead and each
    task that ended is read once by ID, concurrently; at worst a wait costs about one read per task
    plus one list per project and region per round. A failing or malformed list answer only makes
    that round read its tasks by ID.
  - 'Poll interval policy: the first read is immediate (tasks that already ended cost one request),
    the next comes after about 1 s, then the interval doubles up to the interval Gcore''s
    async-operations guide gives for the quickest pending task type: 5 s for C(create_vm),
    C(delete_vm), C(create_volume), C(create_network) and C(create_subnet), 10 s for
    C(create_loadbalancer), 30 s for C(delete_bm) and C(create_k8s_cluster_v2), and 5 s for any
    other type. O(wait_sleep) replaces the policy with a fixed interval. No sleep ever goes past
    the deadline; the last read happens at the deadline itself.'
  - A task reported C(FINISHED) or C(ERROR) was read in that state. A task the API no longer knows
    (HTTP 404) is a failed task, not a crash. Throttling, gateway errors and network errors that
    outlast the client's retries only make that poll round count as missed; the wait goes on
    until O(wait_timeout).
  - Whatever happens (a failed task, a timeout, an API error), the result holds every ID that was
    already created, so a C(rescue) block can clean up. It reads the registered result (or
    C(ansible_failed_result)); facts are only set on success.
  - While it waits, the module shows a progress line at default verbosity whenever a task ends and
    at least every O(progress_interval) seconds, live in C(ansible-playbook) and AWX job output.
  - Waiting changes nothing, so the result is never C(changed). The module runs in check mode too.
author:
  - Seed 8c24c073 maintainers (!UNKNOWN)
extends_documentation_fragment:
  - gcore.tasks.connection
  - gcore.tasks.task_data
  - gcore.tasks.wait_output
  - gcore.tasks.attributes
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.facts
  - ansible.builtin.action_common_attributes.actiongroups
attributes:
  check_mode:
    support: full
    details:
      - Waiting only reads, so it runs in check mode exactly as in a normal run.
      - Given no task IDs in check mode (the write before it sent nothing), it succeeds at once, waits
        for nothing and leaves the facts as they were.
  facts:
    support: full
options:
  task_ids:
    description:
      - IDs of the tasks to wait for, for example the C(tasks) list of a write call's answer,
        C("{{ create.json.tasks }}").
      - Each must be a UUID; anything else is refused before any request. Duplicates are waited on once.
      - At most 10000 IDs per call.
    type: list
    elements: str
    required: true
    aliases:
      - task_id
  wait_timeout:
    description:
      - Seconds to wait for all tasks to end. When they have not, the module fails, naming each
        pending task and its last state, and still returns everything created so far.
    type: float
    default: 1800.0
  wait_sleep:
    description:
      - Fixed number of seconds between poll rounds, instead of the interval policy described above.
    type: float
  fail_on_error:
    description:
      - Whether a task that ends in C(ERROR) (or that the API no longer knows) fails the module.
      - With V(false) the module succeeds, lists such tasks in RV(failed_tasks) and warns naming them.
    type: bool
    default: true
seealso:
  - module: gcore.tasks.gcore_task_info
  - module: gcore.tasks.gcore_task_ack
  - name: Gcore Cloud API, tasks
    description: The published reference of the tasks endpoints.
    link: https://api.gcore.com/docs/cloud#tag/Tasks
"""

EXAMPLES = r"""
- name: Create a volume and use its ID
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/gcore.tasks.all:
      api_key: "{{ lookup('ansible.builtin.env', 'GCORE_API_KEY') }}"
  tasks:
    - name: Ask Gcore to create a volume
      ansible.builtin.uri:
        url: https://api.gcore.com/cloud/v1/volumes/1/76
        method: POST
        headers:
          Authorization: "APIKey {{ lookup('ansible.builtin.env', 'GCORE_API_KEY') }}"
        body_format: json
        body:
          source: new-volume
          name: data-1
          size: 10
      register: create
      no_log: true

    - name: Wait for the volume to exist
      gcore.tasks.gcore_task_wait:
        task_ids: "{{ create.json.tasks }}"
        wait_timeout: 600
      register: waited

    - name: Show the new volume's ID
      ansible.builtin.debug:
        msg: "Volume {{ waited.created_resources.volumes[0] }}"

- name: A later play reads the facts the wait set, without register
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Use the created volume ID
      ansible.builtin.debug:
        var: gcore_created_resources.volumes

- name: Clean up what was created even when a task failed
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Wait, and delete whatever was created if something went wrong
      block:
        - name: Wait for the tasks
          gcore.tasks.gcore_task_wait:
            task_ids: "{{ task_ids }}"
            wait_timeout: 900
          register: waited
      rescue:
        - name: Volumes created before the failure
          ansible.builtin.debug:
            msg: "To delete: {{ waited.created_resources.volumes | default([]) }}"

- name: A long wait, with a progress line at least every 2 minutes and the task objects whole
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Wait for the Kubernetes cluster
      gcore.tasks.gcore_task_wait:
        task_ids: "{{ cluster_task_ids }}"
        wait_timeout: 1800
        progress_interval: 120
        full_tasks: true
      register: cluster
"""

RETURN = r"""
tasks:
  description:
    - The last state read of each task, in the order of O(task_ids); tasks never read (for example
      unknown to the API) are left out.
    - Compact unless O(full_tasks=true) (see there); the sample is a compact task. A compact task
      leaves what it created to RV(created_resources_by_task).
  returned: always
  type: list
  elements: dict
  sample:
    - id: 26986bc0-748a-4448-b836-0a2aa465eb06
      task_type: create_volume
      state: FINISHED
      project_id: 1
      region_id: 76
created_resources:
  description:
    - The IDs the tasks created, by resource type (C(instances), C(volumes), C(floatingips),
      C(networks), C(subnets), C(loadbalancers), C(k8s_clusters), ..., with the API's own spellings
      such as C(l7polices) and C(laas_topic)); the union over all tasks, without duplicates.
    - Only types with at least one ID appear. Also returned when the module fails.
  returned: always
  type: dict
  sample:
    volumes:
      - 726ecfcc-7fd0-4e30-a86e-7892524aa483
created_resources_by_task:
  description: For each task that created something, its own non-empty C(created_resources).
  returned: always
  type: dict
  sample:
    26986bc0-748a-4448-b836-0a2aa465eb06:
      volumes:
        - 726ecfcc-7fd0-4e30-a86e-7892524aa483
failed_tasks:
  description: Tasks that ended in C(ERROR) or that the API no longer knows, with their error text.
  returned: always
  type: list
  elements: dict
  sample:
    - id: 5b2c1d0e-2f7a-4a59-9d4e-0b8d1c3e7f11
      task_type: create_vm
      state: ERROR
      error: "Quota exceeded: instances"
pending_tasks:
  description: Tasks that had not ended when the wait timed out, with their last state.
  returned: always
  type: list
  elements: dict
  sample: []
elapsed:
  description: Seconds spent waiting.
  returned: always
  type: float
  sample: 7.412
failure:
  description:
    - The API error that stopped the module (status, method, path, url called without credentials,
      exception_class, message, request_id, invalid_fields when Gcore named them, details, and
      maybe_processed, true only for a write that may have been acted on).
  returned: on an API error
  type: dict
ansible_facts:
  description:
    - Host facts, so later tasks and plays on the same host read the IDs without C(register).
    - Ansible applies facts only from a successful result; after a failure, read the registered result.
  returned: success
  type: complex
  contains:
    gcore_created_record:
      description:
        - 'The record of everything the collection''s calls created, adopted or waited for on this host
          so far, this wait merged in: C(created_resources) (union by kind), C(scopes) (project and region
          of each ID, where known) and C(task_ids). Kept by the action plugin across tasks and plays,
          also set when no other fact is; see docs/rerun.md.'
      type: dict
      returned: always
      version_added: 0.2.0
    gcore_created_resources:
      description: Same as RV(created_resources) of the latest wait on this host.
      type: dict
      returned: always
    gcore_created_resources_by_task:
      description: Same as RV(created_resources_by_task) of the latest wait on this host.
      type: dict
      returned: always
    gcore_task_ids:
      description: The task IDs the latest wait on this host waited for (validated, without duplicates).
      type: list
      elements: str
      returned: always
"""

from ansible_collections.gcore.tasks.plugins.module_utils._task_wait import TaskWaitModule


def main():
    TaskWaitModule().execute()


if __name__ == "__main__":
    main()
