# -*- coding: utf-8 -*-
# This module_utils file is PRIVATE to the gcore.tasks collection.
# It may change at any time without notice; do not import it from other collections.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The options and behaviour of gcore_task_ack (its docs are in plugins/modules/gcore_task_ack.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading

from ansible_collections.gcore.tasks.plugins.module_utils._client import each_concurrently
from ansible_collections.gcore.tasks.plugins.module_utils._errors import GcoreError
from ansible_collections.gcore.tasks.plugins.module_utils._module import (
    GcoreModule,
    project_region_argument_spec,
    task_ids_argument_spec,
)
from ansible_collections.gcore.tasks.plugins.module_utils._wait_result import (
    FULL_TASKS_OPTION,
    MASK_OPTION,
    shown_tasks,
)


class TaskAckModule(GcoreModule):
    """gcore_task_ack: acknowledge given tasks, or every unacknowledged task of a scope."""

    argument_spec = dict(
        task_ids_argument_spec(),
        acknowledge_all=dict(type="bool", default=False),
        all_projects=dict(type="bool", default=False),
        **dict(project_region_argument_spec(elements="int"), **dict(MASK_OPTION, **FULL_TASKS_OPTION))
    )

    def run(self):
        if self.params["acknowledge_all"]:
            if self.params["task_ids"] is not None:
                self.fail("task_ids and acknowledge_all=true are mutually exclusive")
            return self.acknowledge_all()
        if self.params["task_ids"] is None:
            self.fail("give task_ids, or acknowledge_all=true")
        return self.acknowledge(self.task_ids())

    def acknowledge(self, task_ids):
        """Acknowledge each task not acknowledged yet; already acknowledged ones are left alone.

        On a failure the module fails with what was acknowledged before it (C(changed), C(tasks)).
        """
        todo = [task for task in self.read_tasks(task_ids) if not task.get("acknowledged_at")]
        if self.module.check_mode:
            return dict(changed=bool(todo), tasks=shown_tasks(self.params, todo, compact=False))
        done, error = acknowledge_each(self.client, [task["id"] for task in todo])
        result = dict(changed=bool(done), tasks=shown_tasks(self.params, done, compact=False))
        if error is not None:
            self.fail("acknowledged %d of %d task(s), then: %s" % (len(done), len(todo), error), error=error, **result)
        return result

    def acknowledge_all(self):
        """POST acknowledge_all once per project/region pair of the scope that holds unacknowledged tasks."""
        project_ids = list(dict.fromkeys(self.params["project_id"] or []))
        region_ids = list(dict.fromkeys(self.params["region_id"] or []))
        if self.params["all_projects"] and project_ids:
            self.fail("project_id (given, or from GCORE_CLOUD_PROJECT_ID) and all_projects=true are mutually "
                      "exclusive: give the projects, or all_projects=true for every project of the account")
        if not project_ids and not self.params["all_projects"]:
            self.fail("acknowledge_all=true needs project_id (or GCORE_CLOUD_PROJECT_ID); to acknowledge the "
                      "tasks of every project of the account, set all_projects=true")
        scope = dict(is_acknowledged=False, project_id=project_ids or None, region_id=region_ids or None)
        todo = self.client.list_tasks(scope)
        if todo and not self.module.check_mode:
            for project_id, region_id in acknowledge_all_pairs(todo, project_ids, region_ids):
                self.client.acknowledge_all(project_id=project_id, region_id=region_id)
        return dict(changed=bool(todo), tasks=shown_tasks(self.params, todo, compact=False))


def acknowledge_all_pairs(tasks, project_ids, region_ids):
    """The (project_id, region_id) scopes of POST acknowledge_all that cover C(tasks).

    The endpoint takes one project and one region at most, so several of each mean one call
    per pair; None stands for "any". Pairs holding none of the unacknowledged tasks are skipped
    when every task names its project and region; otherwise every pair is sent.
    """
    wanted = [(project_id, region_id) for project_id in (project_ids or [None]) for region_id in (region_ids or [None])]
    seen = set()
    for task in tasks:
        pair = (task.get("project_id") if project_ids else None, task.get("region_id") if region_ids else None)
        if pair not in wanted:
            return wanted
        seen.add(pair)
    return [pair for pair in wanted if pair in seen]


def acknowledge_each(client, task_ids):
    """Acknowledge C(task_ids), at most POOL_MAXSIZE at a time on the client's pool; none starts after a failure.

    Returns (the acknowledged tasks in the order of C(task_ids), the first GcoreError or None).
    """
    stop = threading.Event()
    outcomes = {}

    def acknowledge_one(task_id):
        if stop.is_set():
            return
        try:
            answer = client.acknowledge_task(task_id)
            outcomes[task_id] = answer if isinstance(answer, dict) else {"id": task_id}  # an empty 2xx: done too
        except GcoreError as exc:
            outcomes[task_id] = exc
            stop.set()

    each_concurrently(task_ids, acknowledge_one)
    done = [outcomes[task_id] for task_id in task_ids if isinstance(outcomes.get(task_id), dict)]
    errors = [outcome for outcome in outcomes.values() if isinstance(outcome, GcoreError)]
    return done, (errors[0] if errors else None)
