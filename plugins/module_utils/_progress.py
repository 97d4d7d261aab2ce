# -*- coding: utf-8 -*-
# This module_utils file is PRIVATE to the gcore.tasks collection.
# It may change at any time without notice; do not import it from other collections.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Progress lines of a long wait, written for the collection's action plugins to show live.

A module cannot print while it runs. When the action plugin of a waiting module runs it on
the controller, it names a file in the environment variable PROGRESS_FILE_ENV; the module
appends one line per report there and the action plugin shows each line as it arrives.
A line is built from task states, types and created_on only, never from task data or the key.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import os
import re
import time

from ansible_collections.gcore.tasks.plugins.module_utils._tasks import FINAL_STATES, api_now, parse_timestamp

PROGRESS_FILE_ENV = "GCORE_TASKS_PROGRESS_FILE"
# Task types are the API's identifiers (create_vm...); anything else in one is not shown.
_TASK_TYPE_RE = re.compile(r"\A[A-Za-z0-9_.-]{1,64}\Z")
_GROUPS_SHOWN = 3


def format_duration(seconds):
    """'45s', '4m10s', '2h05m' for a number of seconds (negative counts as 0)."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return "%ds" % seconds
    if seconds < 3600:
        return "%dm%02ds" % (seconds // 60, seconds % 60)
    return "%dh%02dm" % (seconds // 3600, seconds % 3600 // 60)


def _task_type(task):
    kind = task.get("task_type")
    return kind if isinstance(kind, str) and _TASK_TYPE_RE.match(kind) else "task"


def _state(task):
    state = task.get("state")
    return state if state in ("NEW", "RUNNING") + FINAL_STATES else "unread"


def progress_line(waiter, task_ids, pending, now=None):
    """One line on the wait's progress, for example
    '3/5 tasks ended (1 ERROR); waiting on 2: create_k8s_cluster_v2 RUNNING for 4m10s'.

    Pending tasks are grouped by type and state, the group holding the oldest task first;
    'for' is the age of the group's oldest task (from its created_on), on the API's clock (see
    api_now), else the controller's.
    """
    now = now or api_now(getattr(waiter, "client", None), waiter.tasks.values()) \
        or datetime.datetime.now(datetime.timezone.utc)
    ended = len(task_ids) - len(pending)
    errors = len([task_id for task_id in task_ids if (waiter.tasks.get(task_id) or {}).get("state") == "ERROR"])
    vanished = len([task_id for task_id in task_ids if task_id in waiter.vanished])
    notes = (["%d ERROR" % errors] if errors else []) + (["%d not found" % vanished] if vanished else [])
    line = "%d/%d tasks ended" % (ended, len(task_ids))
    if notes:
        line += " (%s)" % ", ".join(notes)
    if not pending:
        return line
    groups = {}
    for task_id in pending:
        task = waiter.tasks.get(task_id) or {}
        created = parse_timestamp(task.get("created_on"))
        age = (now - created).total_seconds() if created is not None else None
        group = groups.setdefault((_task_type(task), _state(task)), {"count": 0, "age": None})
        group["count"] += 1
        if age is not None and (group["age"] is None or age > group["age"]):
            group["age"] = age
    ordered = sorted(groups.items(), key=lambda item: (-(item[1]["age"] or -1), item[0]))
    parts = []
    for (kind, state), group in ordered[:_GROUPS_SHOWN]:
        text = "%s %s" % (kind, state) if group["count"] == 1 else "%d x %s %s" % (group["count"], kind, state)
        if group["age"] is not None:
            text += " for %s" % format_duration(group["age"])
        parts.append(text)
    if len(ordered) > _GROUPS_SHOWN:
        parts.append("%d more" % sum(group["count"] for _unused, group in ordered[_GROUPS_SHOWN:]))
    return "%s; waiting on %d: %s" % (line, len(pending), ", ".join(parts))


class ProgressReporter(object):
    """An on_round hook of TaskWaiter that appends progress lines to a file.

    A line is written when the number of ended tasks changes and, while it does not, once
    C(interval) seconds passed since the last line. The first round writes one only when
    tasks are still pending. A file that cannot be written turns the reporter off.
    """

    def __init__(self, path, interval, clock=time.monotonic):
        self.path = path
        self.interval = interval
        self.clock = clock
        self.ended = None
        self.last_line_at = None

    def __call__(self, waiter, task_ids, pending):
        if self.path is None:
            return
        ended = len(task_ids) - len(pending)
        now = self.clock()
        if self.ended is None:
            due = bool(pending)
        else:
            due = ended != self.ended or self.last_line_at is None or now - self.last_line_at >= self.interval
        self.ended = ended
        if not due:
            return
        self.last_line_at = now
        self.write(progress_line(waiter, task_ids, pending))

    def write(self, line):
        """Append the line in one write, so a reader never sees half of it."""
        try:
            with open(self.path, "a") as sink:
                sink.write(line + "\n")
        except (IOError, OSError):
            self.path = None


def progress_reporter(interval, environ=None):
    """The on_round hook for a module's progress_interval, or None when no line is wanted.

    Lines are wanted when an action plugin named a file in PROGRESS_FILE_ENV (the module
    runs on the controller, not under async) and the interval is not 0.
    """
    path = (os.environ if environ is None else environ).get(PROGRESS_FILE_ENV)
    if not path or not interval:
        return None
    return ProgressReporter(path, interval)
