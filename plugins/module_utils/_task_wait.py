# -*- coding: utf-8 -*-
# This module_utils file is PRIVATE to the gcore.tasks collection.
# It may change at any time without notice; do not import it from other collections.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The options and behaviour of gcore_task_wait (its docs are in plugins/modules/gcore_task_wait.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.gcore.tasks.plugins.module_utils._module import GcoreModule, task_ids_argument_spec
from ansible_collections.gcore.tasks.plugins.module_utils._wait_result import (
    MASK_OPTION,
    WAIT_OPTIONS,
    check_wait_options,
    finish_wait,
    wait_for_tasks,
)


class TaskWaitModule(GcoreModule):
    """gcore_task_wait: wait for all given tasks at once and report what they created."""

    argument_spec = dict(
        task_ids_argument_spec(required=True),
        **dict(WAIT_OPTIONS, **MASK_OPTION)
    )

    def run(self):
        if self.module.check_mode and not self.params["task_ids"]:
            # A chain in check mode: the write before it sent nothing, so there is nothing to wait for.
            check_wait_options(self)
            return dict(changed=False, tasks=[], created_resources={}, created_resources_by_task={}, failed_tasks=[],
                        pending_tasks=[], elapsed=0.0, msg="check mode: no task IDs, nothing to wait for")
        task_ids = self.task_ids()
        check_wait_options(self)
        return finish_wait(self, wait_for_tasks(self, task_ids))
