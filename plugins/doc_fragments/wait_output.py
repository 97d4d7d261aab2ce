# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # What a waiting module shows while it waits and how it returns its tasks (gcore.tasks.wait_output; options from _wait_result.WAIT_OPTIONS).
    DOCUMENTATION = r"""
options:
  progress_interval:
    description:
      - 'While the wait lasts, a progress line appears at default verbosity each time the number of
        ended tasks changes, and after this many seconds without a change (at the first poll round
        after that), for example
        C([localhost] gcore_task_wait: 3/5 tasks ended; waiting on 2: create_k8s_cluster_v2 RUNNING for 4m10s),
        with the number of C(ERROR) tasks in parentheses after C(ended) once there are some.
        Pending tasks are grouped by type and state; C(for) is the age of the group''s oldest task,
        measured on the API''s clock (the C(Date) of its latest answer), so a controller clock that is
        off does not make fresh tasks look old.'
      - The lines show live in C(ansible-playbook) output and as C(verbose) job events in
        ansible-runner and AWX, which keeps a long wait from looking hung (or being cut off by an
        idle-output limit).
      - Lines come at poll rounds, so they are never closer together than the poll interval (up to
        30 s for a Kubernetes cluster, see M(gcore.tasks.gcore_task_wait)); with O(wait_sleep)
        longer than this interval, they come every O(wait_sleep) seconds.
      - A line holds only counts, task types, states and ages; never task IDs, task data or the key.
      - V(0) turns the lines off.
      - 'Lines are shown when the module runs on the controller (a C(local) connection, for example
        C(delegate_to: localhost)) in the foreground. Delegated to another host, under C(async), or
        with C(no_log), the module runs exactly the same, without lines.'
    type: float
    default: 60.0
  full_tasks:
    description:
      - Whether RV(tasks) holds each task object whole, as the API sent it (C(data) masked as
        O(mask_task_data) says).
      - With V(false), each task keeps only C(id), C(task_type), C(state), C(project_id),
        C(region_id), C(error) and C(data) when they hold a value. What a task created is in
        RV(created_resources_by_task), once (the API sends 36 C(created_resources) lists per task,
        nearly all empty). This keeps a failed wait over a hundred tasks readable at default
        verbosity (under 40 KB).
    type: bool
    default: false
"""
