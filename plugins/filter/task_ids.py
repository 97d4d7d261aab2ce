# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: task_ids
short_description: The Gcore task IDs held by any registered result
version_added: 0.2.0
description:
  - 'Every Gcore Cloud write call answers C({"tasks": ["<id>", ...]}). This filter collects the task IDs
    out of whatever holds such answers, so tasks started by other tools can be waited for with
    M(gcore.tasks.gcore_task_wait) or acknowledged with M(gcore.tasks.gcore_task_ack).'
  - 'It understands: a raw answer C({"tasks": [...]}); a registered M(ansible.builtin.uri) result (its
    C(json)); the C(results) of a looped task, such as a C(uri) loop (a skipped item, or one the API
    refused, holds no IDs and adds none; an item that failed only on its own status check, such as
    C(status_code), adds the IDs its answer names, since those tasks run all the same); a
    M(gcore.tasks.gcore_request) result (C(task_ids), C(results[].task_ids),
    C(json.tasks)); a result whose C(tasks) are task objects (their C(id)); a list of task ID strings;
    and a list of any of these.'
  - The IDs come back as strings in the order first seen, each once. Values that are not strings are
    ignored. The modules check that each ID is a UUID.
author:
  - Seed 8c24c073 maintainers (!UNKNOWN)
positional: _input
options:
  _input:
    description: A registered result, an API answer, or a list of them.
    type: raw
    required: true
seealso:
  - module: gcore.tasks.gcore_task_wait
  - module: gcore.tasks.gcore_task_ack
"""

EXAMPLES = r"""
- name: Ask for two volumes with uri (a tool other than this collection)
  ansible.builtin.uri:
    url: "https://api.gcore.com/cloud/v1/volumes/1/76"
    method: POST
    headers:
      Authorization: "APIKey {{ gcore_api_key }}"
    body_format: json
    body:
      source: new-volume
      name: "{{ item }}"
      size: 10
  loop: [data-1, data-2]
  register: create
  no_log: true

- name: Wait for every task those calls started
  gcore.tasks.gcore_task_wait:
    task_ids: "{{ create | gcore.tasks.task_ids }}"

- name: The same from a raw answer, and from several registered results at once
  ansible.builtin.debug:
    msg:
      - "{{ {'tasks': ['26986bc0-748a-4448-b836-0a2aa465eb06']} | gcore.tasks.task_ids }}"
      - "{{ [create, other_create] | gcore.tasks.task_ids }}"
"""

RETURN = r"""
_value:
  description: The task IDs, each once, in the order first seen; an empty list when there are none.
  type: list
  elements: str
"""

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.collections import is_sequence

# Keys of a result or an answer that hold task IDs, directly or further down.
_ID_KEYS = ("task_ids", "tasks")
_NESTED_KEYS = ("json", "results")


def _collect(value, found, depth=0):
    """Append to C(found) the task IDs held by C(value), depth first, in order."""
    if depth > 20:  # registered results are shallow; this only stops a cycle
        return
    if isinstance(value, str):
        found.append(value)
    elif isinstance(value, dict):
        for key in _ID_KEYS:
            held = value.get(key)
            for item in held if is_sequence(held) else []:
                if isinstance(item, str):
                    found.append(item)
                elif isinstance(item, dict) and isinstance(item.get("id"), str):
                    found.append(item["id"])
        for key in _NESTED_KEYS:
            if isinstance(value.get(key), (dict, list)):
                _collect(value[key], found, depth + 1)
    elif is_sequence(value):
        for item in value:
            _collect(item, found, depth + 1)


def task_ids(value):
    """The Gcore task IDs held by a registered result, an API answer, or a list of them."""
    if not isinstance(value, (str, dict)) and not is_sequence(value):
        raise AnsibleFilterError("task_ids expects a registered result, an API answer or a list of them, got %s"
                                 % type(value).__name__)
    found = []
    _collect(value, found)
    return list(dict.fromkeys(found))


class FilterModule(object):
    """gcore.tasks filters."""

    def filters(self):
        return {"task_ids": task_ids}
