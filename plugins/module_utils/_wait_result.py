# -*- coding: utf-8 -*-
# This module_utils file is PRIVATE to the gcore.tasks collection.
# It may change at any time without notice; do not import it from other collections.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The wait of every waiting module (gcore_task_wait, gcore_request, ...): its options, and the one
place that shapes a wait's result (tasks, created_resources, failed/pending tasks, facts)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.gcore.tasks.plugins.module_utils._errors import GcoreError
from ansible_collections.gcore.tasks.plugins.module_utils._progress import progress_reporter
from ansible_collections.gcore.tasks.plugins.module_utils._tasks import (
    compact_task,
    merge_created_resources,
    present_task,
    task_summary,
    without_empty_resources,
)
from ansible_collections.gcore.tasks.plugins.module_utils._waiter import TaskWaiter

# Options of every module that returns task objects (doc fragment gcore.tasks.task_data).
MASK_OPTION = dict(mask_task_data=dict(type="bool", default=True))
# full_tasks of the modules that read tasks (doc fragment gcore.tasks.read_output).
FULL_TASKS_OPTION = dict(full_tasks=dict(type="bool", default=False))
# Options of every waiting module (doc fragments gcore.tasks.wait_options and wait_output).
WAIT_OPTIONS = dict(
    wait_timeout=dict(type="float", default=1800.0),
    wait_sleep=dict(type="float"),
    fail_on_error=dict(type="bool", default=True),
    progress_interval=dict(type="float", default=60.0),
    **FULL_TASKS_OPTION
)
_LISTED_IN_MESSAGE = 10
# The message stays one readable line; failed_tasks keeps each error text whole.
_ERROR_IN_MESSAGE = 300


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


def shown_tasks(params, tasks, compact, said=None):
    """Tasks as a module returns them, the one meaning of full_tasks for every module.

    C(data) is masked unless mask_task_data is false. With full_tasks true each task is whole;
    otherwise C(created_resources) keeps only its non-empty lists and, when C(compact) (a wait's
    result), only the keys of COMPACT_TASK_KEYS that hold a value are kept, less those C(said)
    names (see compact_task): created_resources is the wait's created_resources_by_task.
    """
    tasks = [present_task(task, params.get("mask_task_data", True)) for task in tasks]
    if params.get("full_tasks"):
        return tasks
    return [compact_task(task, said) if compact else without_empty_resources(task) for task in tasks]


def describe(summaries, with_error, read=()):
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


class WaitOutcome(object):
    """What a wait came to.

    C(result): the shaped result (no facts). C(problem): why the wait did not end well, one line
    (a failed task, a timeout, an API error), or None. C(fatal): whether C(problem) fails the
    module on its own (a failed task does not when fail_on_error is false). C(error): the
    GcoreError behind it, if any. C(noted): whether the message may point at created_resources.
    """

    def __init__(self, task_ids, result, problem=None, fatal=False, error=None, noted=True):
        self.task_ids = list(task_ids)
        self.result = result
        self.problem = problem
        self.fatal = fatal
        self.error = error
        self.noted = noted

    def created_note(self):
        """Points the reader at the IDs that were created despite the failure."""
        if not self.noted or not any(self.result["created_resources"].values()):
            return ""
        return ". The IDs the other tasks created are in created_resources."

    def facts(self):
        """The host facts of a successful wait (Ansible drops facts from a failed result)."""
        return dict(
            gcore_created_resources=self.result["created_resources"],
            gcore_created_resources_by_task=self.result["created_resources_by_task"],
            gcore_task_ids=self.task_ids,
        )


def wait_for_tasks(module, task_ids, hints=None):
    """Wait for C(task_ids) with C(module)'s wait options; return a WaitOutcome (never fails the module).

    C(hints) maps a task ID to dict(project_id, region_id, submitted_at) from the call that
    created it (see TaskWaiter.seed). Progress lines go to the file an action plugin named.
    Every created ID already known is in the outcome's result whatever happened. What the
    module's call already says of every task (C(module.said_of_tasks), see compact_task) is left
    out of the compact tasks.
    """
    said = getattr(module, "said_of_tasks", None)
    timeout, interval = module.params["wait_timeout"], module.params["wait_sleep"]
    waiter = TaskWaiter(module.client, on_round=progress_reporter(module.params["progress_interval"]))
    for task_id, hint in (hints or {}).items():
        waiter.seed(task_id, **hint)
    try:
        pending = waiter.wait(task_ids, timeout, interval)
    except GcoreError as exc:
        result = wait_result(module.params, task_ids, waiter, waiter.pending(task_ids), said)
        return WaitOutcome(task_ids, result, str(exc), fatal=True, error=exc, noted=False)
    result = wait_result(module.params, task_ids, waiter, pending, said)
    failed_message = "%d of %d task(s) failed: %s" % (
        len(result["failed_tasks"]), len(task_ids), describe(result["failed_tasks"], with_error=True))
    if pending:
        message = "Timed out after %ss: %d of %d task(s) not finished: %s" % (
            timeout, len(pending), len(task_ids), describe(result["pending_tasks"], with_error=False, read=waiter.tasks))
        if waiter.last_error is not None:
            message += ". Last API error: %s" % waiter.last_error
        if result["failed_tasks"]:  # the failed tasks come first: they are why the wait was in vain
            message = "%s. %s" % (failed_message, message)
        return WaitOutcome(task_ids, result, message, fatal=True, error=waiter.last_error)
    if result["failed_tasks"]:
        return WaitOutcome(task_ids, result, failed_message, fatal=module.params["fail_on_error"])
    return WaitOutcome(task_ids, result)


def finish_wait(module, outcome, extra=None):
    """The module's result after a wait: fails the module through its failure path, or returns
    the result (C(extra) merged in) with the facts; warns about failed tasks fail_on_error let pass."""
    result = dict(outcome.result, **(extra or {}))
    if outcome.fatal:
        module.fail(outcome.problem + outcome.created_note(), error=outcome.error, **result)
    if outcome.problem:
        module.module.warn(outcome.problem + " (fail_on_error is false: going on; see failed_tasks)")
    result["ansible_facts"] = outcome.facts()
    return result


def wait_result(params, task_ids, waiter, pending, said=None):
    """Everything known about the tasks: nothing a task created is left out, whatever happened.

    C(tasks) holds each task compacted (see shown_tasks; C(said) as there) unless full_tasks is true.
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
    return dict(
        changed=False,
        tasks=shown_tasks(params, known, compact=True, said=said),
        created_resources=created_resources,
        created_resources_by_task=by_task,
        failed_tasks=failed,
        pending_tasks=[task_summary(task_id, waiter.tasks.get(task_id)) for task_id in pending],
        elapsed=round(waiter.elapsed, 3),
    )
