# -*- coding: utf-8 -*-
# This module_utils file is PRIVATE to the gcore.tasks collection.
# It may change at any time without notice; do not import it from other collections.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The wait engine: polls many Gcore tasks at once, at worst about one request per task plus
one per project/region per round, and on a quiet account one list request per round."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import time
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.gcore.tasks.plugins.module_utils._client import DEFAULT_API_URL, MAX_PAGE_SIZE, READ_CONCURRENCY
from ansible_collections.gcore.tasks.plugins.module_utils._errors import ApiError, GcoreError, MalformedAnswerError
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
# A list is worth reading while it holds at most this many tasks per waited one (plus _CROWD_EXTRA);
# beyond that the window or project/region is crowded and other reads are cheaper.
_CROWD_FACTOR = 2
_CROWD_EXTRA = 100
# After this many failed list requests, the wait reads every task by ID.
LIST_FAILURES_MAX = 2
# A first round learns at most this many projects/regions by reading one task of each.
_DISCOVERY_MAX = 8
# Tasks of a wait were mostly created close together: when at least _NEAR_MIN of them are not
# active any more, one list of the project/region around a known task's created_on finds them.
_NEAR_MIN = 3
_NEAR_SPAN = datetime.timedelta(minutes=15)
# created_on outside these years is not used for a window (that task is read by ID).
_SANE_YEARS = (2000, 9000)


def poll_delay(round_number, task_types, interval=None):
    """Seconds to sleep before poll round C(round_number) (1 is the first sleep).

    A fixed C(interval) wins. Otherwise start at FIRST_POLL_DELAY and double up to
    the guide's interval for the quickest pending task type (unknown types: 5 s).
    """
    if interval:
        return float(interval)
    target = min([POLL_INTERVALS.get(kind, DEFAULT_POLL_INTERVAL) for kind in task_types
                  if isinstance(kind, str) and kind] or [DEFAULT_POLL_INTERVAL])
    return float(min(target, FIRST_POLL_DELAY * 2 ** (round_number - 1)))


class TaskWaiter(object):
    """Waits for a set of tasks to reach FINISHED or ERROR, remembering every task it read.

    After wait() returns or raises, C(tasks) holds the last state read of each task,
    C(vanished) the tasks the API no longer knows (404), and C(last_error) the last
    API error a poll round tolerated.

    C(on_round), if given, is called as C(on_round(waiter, task_ids, pending)) after every
    poll round of wait(); an exception it raises is swallowed, never ending the wait.
    """

    def __init__(self, client, clock=None, sleep=time.sleep, on_round=None):
        self.client = client
        # The client's clock: its retries and this wait measure the one deadline alike.
        self.clock = clock or getattr(client, "clock", time.monotonic)
        self.deadline = None
        self.sleep = sleep
        self.on_round = on_round
        self.tasks = {}
        self.vanished = {}
        # Tasks whose last read by ID was answered 2xx with something that is not a task.
        self.broken = {}
        self.hints = {}
        self.window_crowded = set()
        self.active_crowded = set()
        self.list_failures = 0
        self.lists_off = False
        self.salvaged = False
        self.last_list_error = None
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
        any other GcoreError is raised; self.tasks keeps what was read either way. When
        not one task is known at the first read, the API URL is the likelier culprit: that
        is raised as a GcoreError naming the URL called.
        """
        start = self.clock()
        deadline = self.deadline = start + timeout
        pending = list(task_ids)
        try:
            while True:
                try:
                    self.poll(pending)
                    self.last_error = next(iter(self.broken.values()), None)
                except GcoreError as exc:
                    if exc.status != 404:  # a foreign 404 means a wrong api_url: a list would get one too
                        self._salvage(pending)
                    if not exc.retryable:
                        raise
                    self.last_error = exc
                self.rounds += 1
                if self.rounds == 1:
                    unknown = self.unknown_api_error(task_ids)
                    if unknown is not None:
                        raise unknown
                pending = self.pending(pending)
                self._report_round(task_ids, pending)
                if pending and all(task_id in self.broken for task_id in pending):
                    raise self.broken[pending[0]]  # the others ended: only unreadable ones are left
                now = self.clock()
                if not pending or now >= deadline:
                    return pending
                types = [(self.tasks.get(task_id) or {}).get("task_type") for task_id in pending]
                self.sleep(max(0.0, min(poll_delay(self.rounds, types, interval), deadline - now)))
        finally:
            self.deadline = None
            self.elapsed = self.clock() - start

    def unknown_api_error(self, task_ids):
        """A GcoreError saying to check api_url when every one of C(task_ids) got a 404 and none was ever read."""
        task_ids = list(task_ids)
        if not task_ids or any(task_id not in self.vanished or task_id in self.tasks for task_id in task_ids):
            return None
        first = self.vanished[task_ids[0]]
        message = "the API knows none of the %d task(s) at %s" % (len(task_ids), api_url_hint(first))
        return ApiError(message, status=first.status, exception_class=first.exception_class,
                        request_id=first.request_id, url=first.url, path=first.path, method=first.method)

    def _report_round(self, task_ids, pending):
        if self.on_round is None:
            return
        try:
            self.on_round(self, list(task_ids), list(pending))
        except Exception:  # pylint: disable=broad-except  # a progress display must never end a wait
            pass

    def poll(self, task_ids):
        """Read the current state of every task in one round, choosing the cheapest requests.

        Tasks of a known project/region: a list of their created_on window, or of the
        project/region's active tasks when the window is crowded; tasks missing from such a
        list are read by ID. Tasks never read: one read by ID reveals a project/region, whose
        active tasks are then listed. Every read by ID of the round goes out concurrently.
        A failed list only sends its tasks to reads by ID.
        """
        groups, hinted, unplaced, by_id = {}, {}, [], []
        for task_id in task_ids:
            task = self.tasks.get(task_id)
            hint = self.hints.get(task_id) or {}
            if task is not None:
                key = _placement(task)
                if key is None:
                    by_id.append(task_id)
                else:
                    groups.setdefault(key, []).append(task_id)
            elif _is_id(hint.get("project_id")) and _is_id(hint.get("region_id")):
                hinted.setdefault((hint["project_id"], hint["region_id"]), []).append(task_id)
            else:
                unplaced.append(task_id)
        for key, members in groups.items():
            by_id.extend(self._poll_group(key, members))
        listed = set()
        for key, members in hinted.items():
            if len(members) >= BATCH_MIN and self._lists_usable(key):
                listed.add(key)
                rest = self._scan_active(key, members)
                submitted = [self.hints[task_id]["submitted_at"] for task_id in rest]
                if len(rest) >= _NEAR_MIN and all(submitted) and not self.lists_off:
                    # Ended already: look around their submission time (the span covers clock skew).
                    rest = self._scan_window(key, rest, (min(submitted) - _NEAR_SPAN, max(submitted) + _NEAR_SPAN))
                unplaced.extend(rest)
            else:
                unplaced.extend(members)
        by_id.extend(self._discover(unplaced, listed) if len(unplaced) >= _NEAR_MIN else unplaced)
        self._read_many(by_id)

    def _salvage(self, task_ids):
        """Reads by ID failed: look for the tasks never read among the newest ones, once per wait.

        So a wait that must end (or miss a round) still returns what the tasks created.
        """
        unread = [task_id for task_id in task_ids if task_id not in self.tasks and task_id not in self.vanished]
        if unread and not self.salvaged and not self.lists_off:
            self.salvaged = True
            self._list("/cloud/v1/tasks", {"order_by": "desc"}, unread)

    def _lists_usable(self, key):
        return not self.lists_off and key not in self.active_crowded

    def _poll_group(self, key, members):
        """Poll the pending tasks of one known project/region; return the IDs to read by ID."""
        if len(members) < BATCH_MIN or self.lists_off:
            return list(members)
        windowed, others = [], []
        for task_id in members:
            (windowed if _moment(self.tasks[task_id]) is not None else others).append(task_id)
        if len(windowed) >= BATCH_MIN and key not in self.window_crowded:
            missing = self._scan_window(key, windowed)
            if key not in self.window_crowded or self.lists_off:
                return missing + others
            rest = missing + others
        else:
            rest = windowed + others
        if len(rest) >= BATCH_MIN and self._lists_usable(key):
            return self._scan_active(key, rest)
        return rest

    def _discover(self, task_ids, listed):
        """Place tasks never read: read one by ID, list the active tasks of its project/region, repeat.

        Returns the IDs left to read by ID (ended, elsewhere, or when discovery stops paying).
        """
        remaining = list(task_ids)
        misses = 0
        while len(remaining) >= BATCH_MIN and not self.lists_off and len(listed) < _DISCOVERY_MAX and misses < 2:
            first = remaining.pop(0)
            self._read_many([first])
            key = _placement(self.tasks.get(first))
            if key is None:
                misses += 1
                continue
            if key in listed or not self._lists_usable(key):
                break  # the rest ended already, or sit elsewhere: cheaper read one by one
            listed.add(key)
            misses = 0
            before = len(remaining)
            remaining = self._scan_active(key, remaining)
            moment = _moment(self.tasks[first])
            if len(remaining) >= _NEAR_MIN and moment is not None and not self.lists_off:
                remaining = self._scan_window(key, remaining, (moment - _NEAR_SPAN, moment + _NEAR_SPAN))
            if len(remaining) == before:
                break  # the lists found none of the others: each sits elsewhere, read them at once by ID
        return remaining

    def _read_many(self, task_ids):
        """Read these tasks by ID, concurrently over the keep-alive session; raise the first error after all."""
        task_ids = list(dict.fromkeys(task_ids))
        if not task_ids:
            return
        if len(task_ids) == 1:
            outcomes = [self._read_one(task_ids[0])]
        else:
            with ThreadPoolExecutor(max_workers=min(READ_CONCURRENCY, len(task_ids))) as pool:
                outcomes = list(pool.map(self._read_one, task_ids))
        errors = [error for error in outcomes if error is not None]
        if errors:
            # A wait-ending error wins over one a later round may get past.
            raise sorted(errors, key=lambda error: error.retryable)[0]

    def _read_one(self, task_id):
        """Read one task by ID; return the GcoreError that is not a plain 404, or None.

        An answer 2xx that is not a task (a JSON string, an array, a proxy's page, JSON too deep)
        affects that task alone: it is kept in C(broken), read again next round, and ends the
        wait only once no other task is left to wait for.
        """
        try:
            self.tasks[task_id] = self.client.get_task(task_id, deadline=self.deadline)
            self.broken.pop(task_id, None)
        except GcoreError as exc:
            if isinstance(exc, MalformedAnswerError):
                self.broken[task_id] = exc
                return None
            if exc.status != 404 or not exc.exception_class:
                return exc  # a 404 that is not Gcore's says nothing about the task: api_url is wrong
            self.vanished[task_id] = exc
        return None

    def _list(self, path, params, task_ids, key=None):
        """Read a list holding these tasks; absorb them. Returns (IDs not found, crowded) or None if it failed.

        Stops at the first page when C(count) says the list is crowded: more than _CROWD_FACTOR
        tasks per task of this wait it may hold (the wanted ones, or every task of the wait read
        in project/region C(key), finished ones included), plus _CROWD_EXTRA. A failed or
        malformed list counts towards LIST_FAILURES_MAX.
        """
        wanted = set(task_ids)
        ours = sum(1 for task in self.tasks.values() if _placement(task) == key) if key else 0
        worth = _CROWD_FACTOR * max(len(wanted), ours) + _CROWD_EXTRA
        offset = 0
        try:
            while True:
                size = min(MAX_PAGE_SIZE, worth) if offset == 0 else MAX_PAGE_SIZE
                count, results = self.client.list_page(path, params, limit=size, offset=offset,
                                                       deadline=self.deadline)
                self._absorb(results, wanted)
                offset += len(results)
                if count > worth:
                    crowded = True
                    break
                if not wanted or not results or offset >= count:
                    crowded = False
                    break
        except GcoreError as exc:
            self.list_failures += 1
            self.last_list_error = exc
            if self.list_failures >= LIST_FAILURES_MAX:
                self.lists_off = True
            return None
        return [task_id for task_id in task_ids if task_id in wanted], crowded

    def _absorb(self, results, wanted):
        """Take the wanted tasks from a list's results; an ended one without created_resources stays wanted.

        The schema does not require created_resources, so a list may leave it out: the read by ID
        of such a task tells what it created.
        """
        for task in results:
            task_id = task.get("id")
            if task.get("state") in FINAL_STATES and "created_resources" not in task:
                continue
            if isinstance(task_id, str) and task_id.lower() in wanted:
                self.tasks[task_id.lower()] = task
                self.broken.pop(task_id.lower(), None)
                wanted.discard(task_id.lower())

    def _scan_active(self, key, task_ids):
        """Read tasks among the project/region's NEW and RUNNING ones; return the IDs not there."""
        return self._scan("/cloud/v1/tasks/%d/%d/active" % key, {}, key, task_ids, self.active_crowded)

    def _scan_window(self, key, task_ids, bounds=None):
        """Read tasks of one project/region created within the tasks' created_on window (or C(bounds)).

        Returns the IDs the window did not contain; a crowded window is remembered, so later
        rounds use the active list instead.
        """
        if bounds is None:
            moments = [_moment(self.tasks[task_id]) for task_id in task_ids]
            bounds = (min(moments) - _WINDOW_SLACK, max(moments) + _WINDOW_SLACK)
        params = {
            "project_id": [key[0]],
            "region_id": [key[1]],
            "from_timestamp": format_timestamp(bounds[0]),
            "to_timestamp": format_timestamp(bounds[1]),
            "order_by": "asc",
        }
        return self._scan("/cloud/v1/tasks", params, key, task_ids, self.window_crowded)

    def _scan(self, path, params, key, task_ids, crowded_keys):
        """List project/region C(key) for C(task_ids) (narrowed to their type when they share one).

        Returns the IDs the list did not hold (all of them when it failed); a crowded list adds
        C(key) to C(crowded_keys), so later rounds read that project/region another way.
        """
        task_type = _single_type(self.tasks.get(task_id) for task_id in task_ids)
        if task_type:
            params = dict(params, task_type=task_type)
        outcome = self._list(path, params, task_ids, key)
        if outcome is None:
            return list(task_ids)
        missing, crowded = outcome
        if crowded:
            crowded_keys.add(key)
        return missing


class TasksRead(object):
    """What read_tasks found: C(tasks) in the order asked (when none is missing), C(missing) the IDs
    the API does not know, C(not_found) the 404 of the first, C(none_known) when it knew none at all."""

    def __init__(self, tasks, missing, not_found, none_known):
        self.tasks = tasks
        self.missing = missing
        self.not_found = not_found
        self.none_known = none_known


def read_tasks(client, task_ids):
    """Read exactly these tasks with one poll round of the wait engine; return a TasksRead.

    A task answered with something that is not a task raises its MalformedAnswerError.
    """
    reader = TaskWaiter(client)
    reader.poll(task_ids)
    for task_id in task_ids:
        if task_id in reader.broken:
            raise reader.broken[task_id]
    missing = [task_id for task_id in task_ids if task_id in reader.vanished]
    if missing:
        return TasksRead([], missing, reader.vanished[missing[0]], reader.unknown_api_error(task_ids) is not None)
    return TasksRead([reader.tasks[task_id] for task_id in task_ids], [], None, False)


def api_url_hint(error):
    """'<URL called>. Check api_url (<its root>): ...' for an error that suggests a wrong api_url."""
    url = error.url or error.path
    root = url[:-len(error.path)] if error.url and error.path and url.endswith(error.path) else None
    return "%s. Check api_url%s: it must be the API root such as %s; then check the task IDs" % (
        url, " (%s)" % root if root else "", DEFAULT_API_URL)


def _is_id(value):
    """True for a project or region ID as the API gives them: an int, not a bool."""
    return isinstance(value, int) and not isinstance(value, bool)


def _placement(task):
    """(project_id, region_id) of a task read from the API, or None when either is missing or odd."""
    if not isinstance(task, dict) or not _is_id(task.get("project_id")) or not _is_id(task.get("region_id")):
        return None
    return task["project_id"], task["region_id"]


def _moment(task):
    """A task's created_on as a datetime fit for a list window, or None (null, odd or out of range)."""
    moment = parse_timestamp(task.get("created_on")) if isinstance(task, dict) else None
    if moment is None or not _SANE_YEARS[0] <= moment.year <= _SANE_YEARS[1]:
        return None
    return moment


def _single_type(tasks):
    """The one task_type shared by all these tasks, or None."""
    kinds = set()
    for task in tasks:
        kind = task.get("task_type") if isinstance(task, dict) else None
        if not isinstance(kind, str) or not kind:
            return None
        kinds.add(kind)
    return kinds.pop() if len(kinds) == 1 else None
