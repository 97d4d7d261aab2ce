# -*- coding: utf-8 -*-
# This module_utils file is PRIVATE to the gcore.tasks collection.
# It may change at any time without notice; do not import it from other collections.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The wait engine: polls many Gcore tasks at once with a number of requests per round
that does not grow with the number of tasks."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import time

from ansible_collections.gcore.tasks.plugins.module_utils._client import MAX_PAGE_SIZE, GcoreError
from ansible_collections.gcore.tasks.plugins.module_utils._tasks import (
    FINAL_STATES,
    format_timestamp,
    parse_timestamp,
)

# Gcore's async-operations guide: how often to poll each kind of task.
POLL_INTERVALS = {
    "create_vm": 5,
    "delete_vm": 5,
    "create_volume": 5,
    "create_network": 5,
    "create_subnet": 5,
    "create_loadbalancer": 10,
    "delete_bm": 30,
    "create_k8s_cluster_v2": 30,
}
DEFAULT_POLL_INTERVAL = 5
FIRST_POLL_DELAY = 1.0
# Two or more pending tasks of one project/region are cheaper to read as a list than one by one.
BATCH_MIN = 2
# Slack around the created_on window, for clock rounding in the API's filter.
_WINDOW_SLACK = datetime.timedelta(seconds=1)


def poll_delay(round_number, task_types, interval=None):
    """Seconds to sleep before poll round C(round_number) (1 is the first sleep).

    A fixed C(interval) wins. Otherwise start at FIRST_POLL_DELAY and double up to
    the guide's interval for the quickest pending task type (unknown types: 5 s).
    """
    if interval:
        return float(interval)
    target = min([POLL_INTERVALS.get(kind, DEFAULT_POLL_INTERVAL) for kind in task_types if kind]
                 or [DEFAULT_POLL_INTERVAL])
    return float(min(target, FIRST_POLL_DELAY * 2 ** (round_number - 1)))


class TaskWaiter(object):
    """Waits for a set of tasks to reach FINISHED or ERROR, remembering every task it read.

    After wait() returns or raises, C(tasks) holds the last state read of each task,
    C(vanished) the tasks the API no longer knows (404), and C(last_error) the last
    API error a poll round tolerated.

    C(on_round), if given, is called as C(on_round(waiter, task_ids, pending)) after every
    poll round of wait(); an exception it raises is swallowed, never ending the wait.
    """

    def __init__(self, client, clock=time.monotonic, sleep=time.sleep, on_round=None):
        self.client = client
        self.clock = clock
        self.sleep = sleep
        self.on_round = on_round
        self.tasks = {}
        self.vanished = {}
        self.hints = {}
        self.last_error = None
        self.rounds = 0
        self.elapsed = 0.0

    def seed(self, task_id, project_id=None, region_id=None, submitted_at=None):
        """Record a hint from the caller that just created C(task_id): where and when it was submitted.

        A hint is never a task: it is not in C(tasks) and is not reported; it only lets the first
        round list the task's project/region instead of searching the account. A wrong hint costs
        requests, never a wrong result. C(submitted_at) is an aware datetime or an ISO 8601 string.
        """
        if not isinstance(task_id, str):
            return
        if isinstance(submitted_at, str):
            submitted_at = parse_timestamp(submitted_at)
        if not isinstance(submitted_at, datetime.datetime) or submitted_at.tzinfo is None:
            submitted_at = None
        self.hints[task_id.lower()] = {
            "project_id": project_id if _is_id(project_id) else None,
            "region_id": region_id if _is_id(region_id) else None,
            "submitted_at": submitted_at,
        }

    def pending(self, task_ids):
        """The task IDs not yet seen in a final state (and not vanished)."""
        return [task_id for task_id in task_ids
                if task_id not in self.vanished
                and (self.tasks.get(task_id) or {}).get("state") not in FINAL_STATES]

    def wait(self, task_ids, timeout, interval=None):
        """Poll until every task is final or C(timeout) seconds passed; return the IDs still pending.

        Retryable API errors (throttling, 5xx, network) are tolerated until the deadline,
        any other GcoreError is raised; self.tasks keeps what was read either way.
        """
        start = self.clock()
        deadline = start + timeout
        pending = list(task_ids)
        try:
            while True:
                try:
                    self.poll(pending)
                    self.last_error = None
                except GcoreError as exc:
                    if not exc.retryable:
                        raise
                    self.last_error = exc
                self.rounds += 1
                pending = self.pending(pending)
                self._report_round(task_ids, pending)
                now = self.clock()
                if not pending or now >= deadline:
                    return pending
                types = [(self.tasks.get(task_id) or {}).get("task_type") for task_id in pending]
                self.sleep(max(0.0, min(poll_delay(self.rounds, types, interval), deadline - now)))
        finally:
            self.elapsed = self.clock() - start

    def _report_round(self, task_ids, pending):
        if self.on_round is None:
            return
        try:
            self.on_round(self, list(task_ids), list(pending))
        except Exception:  # pylint: disable=broad-except  # a progress display must never end a wait
            pass

    def poll(self, task_ids):
        """Read the current state of every task in one round, choosing the cheapest requests."""
        unplaced = []
        groups = {}
        hinted = {}
        for task_id in task_ids:
            task = self.tasks.get(task_id)
            hint = self.hints.get(task_id)
            if task and task.get("project_id") is not None and task.get("region_id") is not None:
                groups.setdefault((task["project_id"], task["region_id"]), []).append(task_id)
            elif not task and hint and hint["project_id"] is not None and hint["region_id"] is not None:
                hinted.setdefault((hint["project_id"], hint["region_id"]), []).append(task_id)
            else:
                unplaced.append(task_id)
        single = []
        for (project_id, region_id), group in hinted.items():
            if len(group) >= BATCH_MIN:
                single.extend(self._scan_active(project_id, region_id, group))
            else:
                single.extend(group)
        if len(unplaced) >= BATCH_MIN:
            unplaced = self._scan_newest(unplaced)
        single.extend(unplaced)
        for (project_id, region_id), group in groups.items():
            if len(group) >= BATCH_MIN:
                single.extend(self._scan_window(project_id, region_id, group))
            else:
                single.extend(group)
        for task_id in single:
            self._read_one(task_id)

    def _read_one(self, task_id):
        try:
            self.tasks[task_id] = self.client.get_task(task_id)
        except GcoreError as exc:
            if exc.status != 404:
                raise
            self.vanished[task_id] = exc

    def _absorb(self, results, wanted):
        for task in results:
            task_id = task.get("id")
            if task_id in wanted:
                self.tasks[task_id] = task
                wanted.discard(task_id)

    def _scan(self, params, wanted, max_pages):
        self._scan_path("/cloud/v1/tasks", params, wanted, max_pages)

    def _scan_path(self, path, params, wanted, max_pages):
        pages = 0
        for results in self.client.iter_pages(path, params):
            self._absorb(results, wanted)
            pages += 1
            if not wanted or pages >= max_pages:
                break

    def _scan_newest(self, task_ids):
        """Find tasks never read before among the newest tasks; return the IDs not found."""
        wanted = set(task_ids)
        self._scan({"order_by": "desc"}, wanted, _pages_for(len(wanted)))
        return [task_id for task_id in task_ids if task_id in wanted]

    def _scan_active(self, project_id, region_id, task_ids):
        """Read tasks among the project/region's NEW and RUNNING ones; return the IDs not there."""
        wanted = set(task_ids)
        self._scan_path("/cloud/v1/tasks/%d/%d/active" % (project_id, region_id), {}, wanted,
                        _pages_for(len(wanted)))
        return [task_id for task_id in task_ids if task_id in wanted]

    def _scan_window(self, project_id, region_id, task_ids):
        """Read tasks of one project/region created within the pending tasks' created_on window.

        Returns the IDs the window did not contain (read one by one afterwards).
        """
        created = [parse_timestamp(self.tasks[task_id].get("created_on")) for task_id in task_ids]
        created = [moment for moment in created if moment is not None]
        if len(created) < len(task_ids):
            return list(task_ids)
        wanted = set(task_ids)
        params = {
            "project_id": [project_id],
            "region_id": [region_id],
            "from_timestamp": format_timestamp(min(created) - _WINDOW_SLACK),
            "to_timestamp": format_timestamp(max(created) + _WINDOW_SLACK),
            "order_by": "asc",
        }
        self._scan(params, wanted, _pages_for(len(wanted)))
        return [task_id for task_id in task_ids if task_id in wanted]


def _is_id(value):
    """True for a project or region ID as the API gives them: an int, not a bool."""
    return isinstance(value, int) and not isinstance(value, bool)


def _pages_for(count):
    """Pages worth reading before falling back to one GET per task."""
    return 1 + (count + MAX_PAGE_SIZE - 1) // MAX_PAGE_SIZE
