#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: gcore_task_info
short_description: Read Gcore Cloud tasks
version_added: 0.1.0
description:
  - Returns exactly the tasks named in O(task_ids); or the C(NEW) and C(RUNNING) tasks of one project
    and region with O(active=true); or otherwise the tasks matching every filter given, reading each
    page of C(GET /cloud/v1/tasks) until all are read or O(limit) tasks are returned.
  - Several O(task_ids) are read with list requests where possible, one C(GET) per task otherwise.
  - Never changes anything; runs in check mode too.
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
    details: Only reads.
options:
  task_ids:
    description:
      - Return exactly these tasks, in this order. Each must be a UUID; anything else is refused before
        any request. The module fails naming every ID the API does not know.
      - Cannot be combined with the filters.
    type: list
    elements: str
    aliases:
      - task_id
  project_id:
    description:
      - Only tasks of these projects (one value or a list). With O(active=true), exactly one project.
      - If not set, the value of the E(GCORE_CLOUD_PROJECT_ID) environment variable is used (several
        IDs separated by commas).
    type: list
    elements: int
  region_id:
    description:
      - Only tasks of these regions (one value or a list). With O(active=true), exactly one region.
      - If not set, the value of the E(GCORE_CLOUD_REGION_ID) environment variable is used (several
        IDs separated by commas).
    type: list
    elements: int
  state:
    description: Only tasks in these states.
    type: list
    elements: str
    choices:
      - NEW
      - RUNNING
      - FINISHED
      - ERROR
  task_type:
    description: Only tasks of this type, for example C(create_vm) or C(delete_volume).
    type: str
  is_acknowledged:
    description: Only acknowledged (V(true)) or only unacknowledged (V(false)) tasks.
    type: bool
  from_timestamp:
    description:
      - Only tasks created at or after this time.
      - Either an ISO 8601 date-time, for example C(2026-05-23T05:07:31Z) (a value without a zone is
        UTC), or a time relative to when the module runs, for example V(-24h).
      - 'A relative time is V(now), or a minus sign followed by one or more C(<integer><unit>) parts,
        the units being C(s) (seconds), C(m) (minutes), C(h) (hours), C(d) (days) and C(w) (weeks):
        V(-30m), V(-24h), V(-7d), V(-1d12h). It needs no facts, so it works with C(gather_facts: false).'
    type: str
  to_timestamp:
    description:
      - Only tasks created at or before this time. An ISO 8601 date-time (a value without a zone is UTC) or a
        relative time as in O(from_timestamp), for example V(-1h). Both ends of the window are
        resolved against the same moment.
    type: str
  order_by:
    description: Oldest first (V(asc)) or newest first (V(desc)). The API's default is V(desc).
    type: str
    choices:
      - asc
      - desc
  limit:
    description:
      - Return at most this many tasks. When not set, every matching task is read, 1000 per request.
    type: int
  active:
    description:
      - Return the C(NEW) and C(RUNNING) tasks of one O(project_id) and O(region_id), from
        C(GET /cloud/v1/tasks/{project_id}/{region_id}/active). O(task_type) and O(limit) apply.
    type: bool
    default: false
seealso:
  - module: gcore.tasks.gcore_task_wait
  - module: gcore.tasks.gcore_task_ack
"""

EXAMPLES = r"""
- name: Read two tasks
  gcore.tasks.gcore_task_info:
    task_ids:
      - 26986bc0-748a-4448-b836-0a2aa465eb06
      - d478ae29-dedc-4869-82f0-96104425f565
  register: two

- name: Failed tasks of a project and region in the last 24 hours
  gcore.tasks.gcore_task_info:
    project_id: [1]
    region_id: [76]
    state: [ERROR]
    from_timestamp: -24h
  register: failed

- name: What is still running in a region
  gcore.tasks.gcore_task_info:
    active: true
    project_id: [1]
    region_id: [76]
  register: running

- name: Tasks created in the last week, except the last hour
  gcore.tasks.gcore_task_info:
    from_timestamp: -7d
    to_timestamp: -1h
  register: last_week

- name: The 20 newest unacknowledged tasks
  gcore.tasks.gcore_task_info:
    is_acknowledged: false
    order_by: desc
    limit: 20
"""

RETURN = r"""
tasks:
  description:
    - The tasks, as the API returns them, with sensitive values of C(data) masked unless O(mask_task_data=false).
    - C(created_resources) holds only its non-empty lists unless O(full_tasks=true).
  returned: always
  type: list
  elements: dict
  sample:
    - id: 26986bc0-748a-4448-b836-0a2aa465eb06
      task_type: create_volume
      state: FINISHED
      user_id: 123
      created_on: "2026-05-23T05:07:31"
      finished_on: "2026-05-23T05:07:40"
      project_id: 1
      region_id: 76
      error: null
      acknowledged_at: null
      created_resources:
        volumes:
          - 726ecfcc-7fd0-4e30-a86e-7892524aa483
api_date:
  description:
    - The API's clock when it answered, that is the C(Date) header of its latest answer, in ISO 8601 UTC;
      null when the API sent none.
    - Measure the age of the tasks from it rather than from the controller's clock, which may be off; the
      P(gcore.tasks.task_ages#filter) filter takes it as C(now), as the C(gcore.tasks.task_report) role does.
  returned: success
  type: str
  sample: "2026-05-23T05:07:45.000000Z"
  version_added: 0.2.0
failure:
  description:
    - The API error that stopped the module (status, method, path, url called without credentials,
      exception_class, message, request_id, invalid_fields when Gcore named them, details, and
      maybe_processed, true only for a write that may have been acted on).
  returned: on an API error
  type: dict
"""

from ansible_collections.gcore.tasks.plugins.module_utils._task_info import TaskInfoModule


def main():
    TaskInfoModule().execute()


if __name__ == "__main__":
    main()
