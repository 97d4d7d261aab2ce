# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # full_tasks of the modules that read tasks without waiting: gcore_task_info, gcore_task_ack (gcore.tasks.read_output).
    DOCUMENTATION = r"""
options:
  full_tasks:
    description:
      - Whether RV(tasks) holds each task object whole, as the API sent it (C(data) masked as
        O(mask_task_data) says).
      - With V(false), each task keeps every key but C(created_resources) keeps only its non-empty
        lists (the API sends one list per resource type, 36 of them, nearly all empty). Read a
        resource type that may be missing with a default, for example
        C(task.created_resources.volumes | default([])).
    type: bool
    default: false
"""
