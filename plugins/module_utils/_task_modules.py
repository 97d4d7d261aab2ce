# -*- coding: utf-8 -*-
# This module_utils file is PRIVATE to the gcore.tasks collection.
# It may change at any time without notice; do not import it from other collections.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The behaviour of gcore_task_info, gcore_task_wait and gcore_task_ack; the module files hold their docs."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

from ansible_collections.gcore.tasks.plugins.module_utils._client import GcoreError
from ansible_collections.gcore.tasks.plugins.module_utils._module import (
    UNEXPECTED_ERRORS,
    GcoreModule,
    project_region_argument_spec,
    task_ids_argument_spec,
)
from ansible_collections.gcore.tasks.plugins.module_utils._progress import progress_reporter
from ansible_collections.gcore.tasks.plugins.module_utils._tasks import (
    TASK_STATES,
    compact_task,
    merge_created_resources,
    normalize_timestamp,
    task_summary,
    without_empty_resources,
)
from ansible_collections.gcore.tasks.plugins.module_utils._waiter import TaskWaiter, api_url_hint

_MASK_OPTION = dict(mask_task_data=dict(type="bool", default=True))
_LISTED_IN_MESSAGE = 10
# The message stays one readable line; failed_tasks keeps each error text whole.
_ERROR_IN_MESSAGE = 300
# gcore_task_info and gcore_task_ack return tasks whole but for the empty created_resources lists.
_FULL_TASKS_OPTION = dict(full_tasks=dict(type="bool", default=False))


def _shown(module, tasks):
    """module.present(tasks), without the empty created_resources lists unless full_tasks is true."""
    tasks = module.present(tasks)
    return tasks if module.params["full_tasks"] else [without_empty_resources(task) for task in tasks]


def _describe(summaries, with_error, read=()):
    """'id (type, state): error; ...' for at most _LISTED_IN_MESSAGE tasks; C(read): the IDs read at least once."""
    parts = []
    for summary in summaries[:_LISTED_IN_MESSAGE]:
        state = summary["state"]
        if state is None or state == "":
            state = "no state" if summary["id"] in read else "unread"
        text = "%s (%s, %s)" % (summary["id"], summary["task_type"] or "unknown type", state)
        if with_error:
            error = " ".join(str(summary["error"] or "no error text").split())
            text += ": %s" % (error if len(error) <= _ERROR_IN_MESSAGE else error[:_ERROR_IN_MESSAGE] + "...")
        parts.append(text)
    if len(summaries) > _LISTED_IN_MESSAGE:
        parts.append("and %d more" % (len(summaries) - _LISTED_IN_MESSAGE))
    return "; ".join(parts)


def read_tasks(module, task_ids):
    """Read exactly these tasks with as few requests as the wait engine can; fail naming unknown IDs."""
    reader = TaskWaiter(module.client)
    reader.poll(task_ids)
    for task_id in task_ids:
        if task_id in reader.broken:
            raise reader.broken[task_id]
    if reader.vanished:
        missing = [task_id for task_id in task_ids if task_id in reader.vanished]
        error = reader.vanished[missing[0]]
        message = "%d task(s) not found: %s" % (len(missing), ", ".join(missing))
        if reader.unknown_api_error(task_ids) is not None:
            message += ". None is known at %s" % api_url_hint(error)
        module.fail(message, error=error)
    return [reader.tasks[task_id] for task_id in task_ids]


class TaskInfoModule(GcoreModule):
    """gcore_task_info: exactly the given tasks, the active ones of a project/region, or a filtered list."""

    argument_spec = dict(
        task_ids_argument_spec(),
        state=dict(type="list", elements="str", choices=list(TASK_STATES)),
        task_type=dict(type="str"),
        is_acknowledged=dict(type="bool"),
        from_timestamp=dict(type="str"),
        to_timestamp=dict(type="str"),
        order_by=dict(type="str", choices=["asc", "desc"]),
        limit=dict(type="int"),
        active=dict(type="bool", default=False),
        **dict(project_region_argument_spec(elements="int"), **dict(_MASK_OPTION, **_FULL_TASKS_OPTION))
    )
    module_kwargs = dict(
        mutually_exclusive=[
            ("task_ids", "state"), ("task_ids", "task_type"), ("task_ids", "is_acknowledged"),
            ("task_ids", "from_timestamp"), ("task_ids", "to_timestamp"), ("task_ids", "order_by"),
            ("task_ids", "limit"), ("task_ids", "active"),
            ("active", "state"), ("active", "is_acknowledged"), ("active", "from_timestamp"),
            ("active", "to_timestamp"), ("active", "order_by"),
        ],
    )

    def run(self):
        params = self.params
        if params["limit"] is not None and params["limit"] < 1:
            self.fail("limit must be 1 or more, got %d" % params["limit"])
        if params["task_ids"] is not None:
            tasks = read_tasks(self, self.task_ids())
        elif params["active"]:
            project_id, region_id = self.single("project_id"), self.single("region_id")
            tasks = self.client.list_active_tasks(project_id, region_id, task_type=params["task_type"],
                                                  limit=params["limit"])
        else:
            filters = self.filters()
            tasks = self.client.list_tasks(filters, limit=params["limit"])
        return dict(changed=False, tasks=_shown(self, tasks))

    def single(self, name):
        """The one project_id or region_id that the active endpoint takes."""
        values = self.params[name] or []
        if len(values) != 1:
            self.fail("active=true needs exactly one %s (or GCORE_CLOUD_%s_ID), got %s"
                      % (name, name.split("_")[0].upper(), values or "none"))
        return values[0]

    def filters(self):
        """Query parameters for GET /cloud/v1/tasks, timestamps validated before any request."""
        params = self.params
        filters = dict(
            project_id=params["project_id"] or None,
            region_id=params["region_id"] or None,
            state=params["state"] or None,
            task_type=params["task_type"],
            is_acknowledged=params["is_acknowledged"],
            order_by=params["order_by"],
        )
        now = datetime.datetime.now(datetime.timezone.utc)  # one "now" for both ends of the window
        for name in ("from_timestamp", "to_timestamp"):
            if params[name] is not None:
                try:
                    filters[name] = normalize_timestamp(params[name], name, now)
                except ValueError as exc:
                    self.fail(str(exc))
        return filters


WAIT_OPTIONS = dict(
    wait_timeout=dict(type="float", default=1800.0),
    wait_sleep=dict(type="float"),
    fail_on_error=dict(type="bool", default=True),
    full_tasks=dict(type="bool", default=False),
    progress_interval=dict(type="float", default=60.0),
)


def check_wait_options(module):
    """Refuse wait options that could never work, before any request."""
    timeout, interval = module.params["wait_timeout"], module.params["wait_sleep"]
    if timeout <= 0:
        module.fail("wait_timeout must be a positive number of seconds, got %s" % timeout)
    if interval is not None and interval <= 0:
        module.fail("wait_sleep must be a positive number of seconds, got %s" % interval)
    if module.params["progress_interval"] < 0:
        module.fail("progress_interval must be a number of seconds, or 0 for no progress lines, got %s"
                    % module.params["progress_interval"])


def wait_for_tasks(module, task_ids, waiter=None, extra=None, failed_call=None):
    """Wait for C(task_ids) with the module's wait options; the one place that shapes a wait's result.

    Returns the result dict (C(extra) merged in, the created IDs also as C(ansible_facts)) when
    every task ended and none failed (or fail_on_error is false); otherwise fails the module with
    the same result but no facts (Ansible drops facts from a failed result; a rescue reads the
    registered result), so every created ID already known is returned whatever happened.
    C(failed_call), a (message, failure dict) pair, makes the module fail in any case, that message first.
    While waiting, progress lines go to the file an action plugin named (see _progress).
    """
    timeout, interval = module.params["wait_timeout"], module.params["wait_sleep"]
    extra = extra or {}
    waiter = waiter or TaskWaiter(module.client)
    if waiter.on_round is None:
        waiter.on_round = progress_reporter(module.params["progress_interval"])

    def fail(message, note=True, **result):
        if failed_call is not None:
            message = failed_call[0] + (". While waiting for the accepted calls' tasks: " + message if message else "")
            result["failure"] = failed_call[1]
        module.module.fail_json(msg=message + (_created_note(result) if note else ""), **result)

    try:
        pending = waiter.wait(task_ids, timeout, interval)
    except GcoreError as exc:
        known = wait_result(module, task_ids, waiter, waiter.pending(task_ids))
        fail(str(exc), note=False, failure=exc.to_dict(), **dict(known, **extra))
    except UNEXPECTED_ERRORS as exc:  # the created IDs must come back whatever broke
        known = wait_result(module, task_ids, waiter, waiter.pending(task_ids))
        fail("the wait stopped on an unexpected error: %s: %s" % (type(exc).__name__, " ".join(str(exc).split())),
             note=False, **dict(known, **extra))
    result = dict(wait_result(module, task_ids, waiter, pending), **extra)
    failed_message = "%d of %d task(s) failed: %s" % (
        len(result["failed_tasks"]), len(task_ids), _describe(result["failed_tasks"], with_error=True))
    if pending:
        message = "Timed out after %ss: %d of %d task(s) not finished: %s" % (
            timeout, len(pending), len(task_ids), _describe(result["pending_tasks"], with_error=False, read=waiter.tasks))
        if waiter.last_error is not None:
            message += ". Last API error: %s" % waiter.last_error
            result["failure"] = waiter.last_error.to_dict()
        if result["failed_tasks"]:  # the failed tasks come first: they are why the wait was in vain
            message = "%s. %s" % (failed_message, message)
        fail(message, **result)
    if result["failed_tasks"] and (module.params["fail_on_error"] or failed_call is not None):
        fail(failed_message, **result)
    if failed_call is not None:
        fail("", **result)
    if result["failed_tasks"]:
        module.module.warn(failed_message + " (fail_on_error is false: going on; see failed_tasks)")
    result["ansible_facts"] = dict(
        gcore_created_resources=result["created_resources"],
        gcore_created_resources_by_task=result["created_resources_by_task"],
        gcore_task_ids=task_ids,
    )
    return result


def _created_note(result):
    """Points the reader at the IDs that were created despite the failure."""
    if not result["created_resources"]:
        return ""
    return ". The IDs the other tasks created are in created_resources."


def wait_result(module, task_ids, waiter, pending):
    """Everything known about the tasks: nothing a task created is left out, whatever happened.

    C(tasks) holds each task compacted (compact_task) unless the module's full_tasks is true.
    Facts are not part of it: wait_for_tasks adds them to a successful result only.
    """
    known = [waiter.tasks[task_id] for task_id in task_ids if task_id in waiter.tasks]
    created_resources, by_task = merge_created_resources(known)
    failed = [task_summary(task_id, waiter.tasks.get(task_id)) for task_id in task_ids
              if (waiter.tasks.get(task_id) or {}).get("state") == "ERROR"]
    for task_id in task_ids:
        if task_id in waiter.vanished:
            summary = task_summary(task_id, waiter.tasks.get(task_id))
            summary["error"] = "the API no longer knows this task: %s" % waiter.vanished[task_id]
            failed.append(summary)
    tasks = module.present(known)
    if not module.params.get("full_tasks"):
        tasks = [compact_task(task) for task in tasks]
    return dict(
        changed=False,
        tasks=tasks,
        created_resources=created_resources,
        created_resources_by_task=by_task,
        failed_tasks=failed,
        pending_tasks=[task_summary(task_id, waiter.tasks.get(task_id)) for task_id in pending],
        elapsed=round(waiter.elapsed, 3),
    )


class TaskWaitModule(GcoreModule):
    """gcore_task_wait: wait for all given tasks at once and report what they created."""

    argument_spec = dict(
        task_ids_argument_spec(required=True),
        **dict(WAIT_OPTIONS, **_MASK_OPTION)
    )

    def run(self):
        task_ids = self.task_ids()
        check_wait_options(self)
        return wait_for_tasks(self, task_ids)


class TaskAckModule(GcoreModule):
    """gcore_task_ack: acknowledge given tasks, or every unacknowledged task of a scope."""

    argument_spec = dict(
        task_ids_argument_spec(),
        acknowledge_all=dict(type="bool", default=False),
        all_projects=dict(type="bool", default=False),
        **dict(project_region_argument_spec(elements="int"), **dict(_MASK_OPTION, **_FULL_TASKS_OPTION))
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
        """Acknowledge each task not acknowledged yet; already acknowledged ones are left alone."""
        todo = [task for task in read_tasks(self, task_ids) if not task.get("acknowledged_at")]
        if not self.module.check_mode:
            todo = [self.client.acknowledge_task(task["id"]) for task in todo]
        return dict(changed=bool(todo), tasks=_shown(self, todo))

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
        return dict(changed=bool(todo), tasks=_shown(self, todo))


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
