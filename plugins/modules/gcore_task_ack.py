#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: gcore_task_ack
short_description: Acknowledge Gcore Cloud tasks
version_added: 0.1.0
description:
  - Acknowledging a task marks it as seen, so it no longer shows among unacknowledged tasks.
  - With O(task_ids), reads the tasks first and acknowledges only those not yet acknowledged; when
    all already are, nothing is sent and the result is not C(changed).
  - With O(acknowledge_all=true), asks for the unacknowledged tasks of the scope (O(project_id), and
    O(region_id) when given) and, only when there are some, sends
    C(POST /cloud/v1/tasks/acknowledge_all) once per project and region pair that holds some (the
    endpoint takes one project and one region at most).
  - O(acknowledge_all=true) never acknowledges the tasks of every project by accident; it needs
    O(project_id) (or E(GCORE_CLOUD_PROJECT_ID)), or O(all_projects=true) to mean the whole account.
    Without either the module fails before any request.
  - In check mode nothing is sent but the reads; the result says what would change.
author:
  - Seed 8c24c073 maintainers (!UNKNOWN)
extends_documentation_fragment:
  - gcore.tasks.connection
  - gcore.tasks.task_data
  - gcore.tasks.read_output
  - gcore.tasks.attributes
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.actiongroups
attributes:
  check_mode:
    support: full
    details: Reads the tasks and reports what would be acknowledged, without sending an acknowledgement.
options:
  task_ids:
    description:
      - IDs of the tasks to acknowledge. Each must be a UUID; anything else is refused before any
        request. The module fails naming every ID the API does not know.
      - Mutually exclusive with O(acknowledge_all).
    type: list
    elements: str
    aliases:
      - task_id
  acknowledge_all:
    description:
      - Acknowledge every unacknowledged task of the projects in O(project_id) (of the regions in
        O(region_id) when given), or of every project with O(all_projects=true).
    type: bool
    default: false
  all_projects:
    description:
      - With O(acknowledge_all=true) and no O(project_id), acknowledge the tasks of every project
        of the account (of the regions in O(region_id) when given).
      - Mutually exclusive with O(project_id) (also one that comes from E(GCORE_CLOUD_PROJECT_ID)).
    type: bool
    default: false
  project_id:
    description:
      - With O(acknowledge_all=true), only tasks of these projects. One value or a list, as in
        M(gcore.tasks.gcore_task_info).
      - If not set, the value of the E(GCORE_CLOUD_PROJECT_ID) environment variable is used (several
        IDs separated by commas).
    type: list
    elements: int
  region_id:
    description:
      - With O(acknowledge_all=true), only tasks of these regions. One value or a list.
      - If not set, the value of the E(GCORE_CLOUD_REGION_ID) environment variable is used (several
        IDs separated by commas).
    type: list
    elements: int
seealso:
  - module: gcore.tasks.gcore_task_wait
  - module: gcore.tasks.gcore_task_info
"""

EXAMPLES = r"""
- name: Acknowledge the tasks a wait just saw end
  gcore.tasks.gcore_task_ack:
    task_ids: "{{ waited.tasks | map(attribute='id') }}"

- name: Acknowledge everything of one project and region
  gcore.tasks.gcore_task_ack:
    acknowledge_all: true
    project_id: 1
    region_id: 76

- name: Acknowledge everything of two projects in two regions (one acknowledge_all per pair)
  gcore.tasks.gcore_task_ack:
    acknowledge_all: true
    project_id: [1, 2]
    region_id: [76, 80]

- name: Acknowledge everything of the whole account, on purpose
  gcore.tasks.gcore_task_ack:
    acknowledge_all: true
    all_projects: true
"""

RETURN = r"""
tasks:
  description:
    - The tasks this call acknowledged (in check mode, would acknowledge), as the API returned them;
      C(created_resources) holds only its non-empty lists unless O(full_tasks=true).
    - With O(acknowledge_all=true), the tasks as they were read before the call, so their
      C(acknowledged_at) is still empty.
  returned: always
  type: list
  elements: dict
  sample:
    - id: 26986bc0-748a-4448-b836-0a2aa465eb06
      task_type: create_volume
      state: FINISHED
      acknowledged_at: "2026-05-23T05:08:02"
      acknowledged_by: 123
failure:
  description:
    - The API error that stopped the module (status, method, path, url called without credentials,
      exception_class, message, request_id, invalid_fields when Gcore named them, details, and
      maybe_processed, true only for a write that may have been acted on).
  returned: on an API error
  type: dict
"""

from ansible_collections.gcore.tasks.plugins.module_utils._task_ack import TaskAckModule


def main():
    TaskAckModule().execute()


if __name__ == "__main__":
    main()
