# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: task_ages
short_description: How long Gcore tasks ran, or have been running, on the API's clock
version_added: 0.2.0
description:
  - Takes the C(tasks) that M(gcore.tasks.gcore_task_info) returned (or any list of Gcore task objects)
    and gives them back oldest first, each with its creation and end time in one form and its run time.
  - Times are measured on the API's clock, never the controller's, so a controller whose clock is off
    does not make fresh tasks look old. The API's current time is O(now) when given (the C(Date)
    header of an answer); otherwise the newest timestamp the tasks hold (C(created_on),
    C(updated_on), C(finished_on), C(acknowledged_at)). O(now) older than that newest timestamp
    counts as that timestamp.
  - Timestamps are read in every ISO 8601 form the collection's modules accept
    (C(2026-05-23T05:07:31), C(2026-05-23T05:07:31.123456Z), C(2026-05-23T08:07:31+03:00),
    C(+0300), C(+03), a fraction of any length); a value without a zone is UTC.
    A timestamp that cannot be read gives no time for that task, never an error.
author:
  - Seed 8c24c073 maintainers (!UNKNOWN)
positional: _input
options:
  _input:
    description: The tasks, as the API returns them (mappings with C(id), C(state), C(created_on)...).
    type: list
    elements: dict
    required: true
  now:
    description:
      - The API's current time, as an HTTP date (C(Wed, 02 Dec 2026 14:37:26 GMT), what a C(Date) header
        holds) or an ISO 8601 date-time. Not set, null or empty means the newest timestamp of the tasks.
      - A value in neither form fails the filter.
    type: str
seealso:
  - module: gcore.tasks.gcore_task_info
"""

EXAMPLES = r"""
- name: Read the tasks of the last day
  gcore.tasks.gcore_task_info:
    from_timestamp: -24h
  register: info

- name: Tasks not ended after 10 minutes on the API's clock
  ansible.builtin.debug:
    msg: "{{ info.tasks | gcore.tasks.task_ages | selectattr('age_seconds', 'ge', 600) | map(attribute='id') }}"

- name: Tasks that ran 10 minutes or more, measured against a Date header the caller has
  ansible.builtin.debug:
    msg: >-
      {{ info.tasks | gcore.tasks.task_ages(now='Wed, 02 Dec 2026 14:37:26 GMT')
         | selectattr('duration_seconds', 'ge', 600) | map(attribute='id') }}
"""

RETURN = r"""
_value:
  description:
    - Copies of the tasks, oldest first (by creation time, then ID; a task whose C(created_on)
      cannot be read comes last), each with these keys added.
    - C(created_at), C(finished_at) - the task's C(created_on) and C(finished_on) in UTC, as
      C(2026-05-23T05:07:31.000000Z); null when missing or unreadable.
    - C(duration_seconds) - for a task that ended (C(FINISHED) or C(ERROR)), seconds from its
      creation to its end, to a tenth of a second; null otherwise.
    - C(age_seconds) - for a task not ended (C(NEW) or C(RUNNING)), seconds from its creation to the
      API's current time, to a tenth of a second (never below 0); null otherwise.
  type: list
  elements: dict
"""

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.collections import is_sequence

from ansible_collections.gcore.tasks.plugins.module_utils._tasks import (
    API_TIME_KEYS, FINAL_STATES, format_timestamp, parse_http_date, parse_timestamp)


def _parse_now(value):
    """The API's current time from an HTTP date or an ISO 8601 value; None when not given."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise AnsibleFilterError("task_ages: now must be an HTTP date or an ISO 8601 date-time, got %s"
                                 % type(value).__name__)
    moment = parse_timestamp(value) or parse_http_date(value)
    if moment is None:
        raise AnsibleFilterError("task_ages: now must be an HTTP date such as 'Wed, 02 Dec 2026 14:37:26 GMT' or "
                                 "an ISO 8601 date-time such as 2026-12-02T14:37:26Z, got %r" % value)
    return moment


def _utc_text(moment):
    """The moment as the API's filters write it, or None when it lies outside years 1..9999 in UTC."""
    try:
        return format_timestamp(moment) if moment is not None else None
    except OverflowError:
        return None


def _seconds(later, earlier):
    return round((later - earlier).total_seconds(), 1)


def task_ages(tasks, now=None):
    """The tasks oldest first, each with created_at, finished_at, duration_seconds and age_seconds."""
    if isinstance(tasks, (str, dict)) or not is_sequence(tasks):
        raise AnsibleFilterError("task_ages expects a list of tasks, got %s" % type(tasks).__name__)
    if not all(isinstance(task, dict) for task in tasks):
        raise AnsibleFilterError("task_ages expects a list of tasks (mappings), one item is not a mapping")
    clock = _parse_now(now)
    for task in tasks:
        for key in API_TIME_KEYS:
            moment = parse_timestamp(task.get(key))
            if moment is not None and (clock is None or moment > clock):
                clock = moment
    aged = []
    for task in tasks:
        created = parse_timestamp(task.get("created_on"))
        finished = parse_timestamp(task.get("finished_on"))
        ended = task.get("state") in FINAL_STATES
        row = dict(task)
        row["created_at"] = _utc_text(created)
        row["finished_at"] = _utc_text(finished)
        row["duration_seconds"] = _seconds(finished, created) if ended and created and finished else None
        row["age_seconds"] = max(0.0, _seconds(clock, created)) if not ended and created and clock else None
        aged.append(row)
    aged.sort(key=lambda row: (row["created_at"] is None, row["created_at"] or "", str(row.get("id"))))
    return aged


class FilterModule(object):
    """gcore.tasks filters."""

    def filters(self):
        return {"task_ages": task_ages}
