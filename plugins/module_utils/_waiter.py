# -*- coding: utf-8 -*-
# This module_utils file is PRIVATE to the gcore.tasks collection.
# It may change at any time without notice; do not import it from other collections.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The wait engine: polls many Gcore tasks at once, at worst about one read per task plus two
requests per project/region per round whatever else the account holds, and on a quiet account
one list request per round."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import time

from ansible_collections.gcore.tasks.plugins.module_utils._client import (
    MAX_PAGE_SIZE,
    api_url_hint,
    each_concurrently,
)
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
# Reads by ID per round of a project/region whose every list is crowded beyond one page: a crowded
# region costs about two requests a round whatever it holds (its tasks are read less often).
CROWDED_READS = 2
# The lists of a project/region, tried in this order while not crowded: the created_on window,
# the active tasks, the window's ended tasks (a crowd of active tasks is not in the last one).
LIST_KINDS = ("window", "active", "ended")
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


class TaskBook(object):
    """What a wait knows, shared by the round planner, the reader and the loop.

    C(tasks): the last state read of each task; C(vanished): the tasks the API no longer knows
    (their 404); C(broken): tasks whose last read by ID was answered 2xx with something that is
    not a task (its MalformedAnswerError); C(hints): where and when a caller created a task;
    and which lists stopped paying (crowded ones, or every list after LIST_FAILURES_MAX failures).
    """

    def __init__(self):
        self.tasks = {}
        self.vanished = {}
        self.broken = {}
        self.hints = {}
        self.window_crowded = set()
        self.active_crowded = set()
        # Per project/region, the count each kind of list (LIST_KINDS) last reported.
        self.counts = {}
        # Tasks a list showed ended without created_resources: a read by ID tells what they created.
        self.incomplete = set()
        # The poll round in progress, and the round each task was last read in (by ID or in a list).
        self.round = 0
        self.read_in = {}
        self.list_failures = 0
        self.lists_off = False
        self.salvaged = False
        self.last_list_error = None

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

    def unknown_api_error(self, task_ids):
        """An ApiError saying to check api_url when every one of C(task_ids) got a 404 and none was ever read."""
        task_ids = list(task_ids)
        if not task_ids or any(task_id not in self.vanished or task_id in self.tasks for task_id in task_ids):
            return None
        first = self.vanished[task_ids[0]]
        message = "the API knows none of the %d task(s) at %s" % (len(task_ids), api_url_hint(first))
        return ApiError(message, status=first.status, exception_class=first.exception_class,
                        request_id=first.request_id, url=first.url, path=first.path, method=first.method)

    def lists_usable(self, key):
        """True while listing project/region C(key)'s active tasks may pay."""
        return not self.lists_off and key not in self.active_crowded

    def absorb(self, results, wanted):
        """Take the wanted tasks from a list's results; an ended one without created_resources stays wanted.

        The schema does not require created_resources, so a list may leave it out: the read by ID
        of such a task tells what it created.
        """
        for task in results:
            task_id = task.get("id")
            if not isinstance(task_id, str) or task_id.lower() not in wanted:
                continue
            if task.get("state") in FINAL_STATES and "created_resources" not in task:
                self.incomplete.add(task_id.lower())
                continue
            self.keep(task_id.lower(), task)
            wanted.discard(task_id.lower())

    def keep(self, task_id, task):
        """Record C(task) as the last state read of C(task_id), its ID spelled as asked (lower case)."""
        task["id"] = task_id
        self.tasks[task_id] = task
        self.read_in[task_id] = self.round
        self.broken.pop(task_id, None)
        self.incomplete.discard(task_id)


class RoundPlan(object):
    """Where each task of a round is looked for: C(groups) of tasks read before, by (project_id,
    region_id); C(hinted) tasks never read but whose caller said where they are; C(unplaced) tasks
    nobody placed yet; C(by_id) tasks only a read by ID can find."""

    def __init__(self):
        self.groups, self.hinted, self.unplaced, self.by_id = {}, {}, [], []


class RoundPlanner(object):
    """The decisions of a poll round, from what the TaskBook knows; no HTTP here.

    The reader asks it where to look (plan), whether a list pays (list_group, near_window),
    how wide a window is (window_bounds, window_params) and when a list is crowded (worth).
    """

    def __init__(self, book):
        self.book = book

    def plan(self, task_ids):
        """Sort the round's tasks by where they can be looked up (a RoundPlan)."""
        plan = RoundPlan()
        for task_id in task_ids:
            task = self.book.tasks.get(task_id)
            hint = self.book.hints.get(task_id) or {}
            if task is not None:
                key = _placement(task)
                if key is None:
                    plan.by_id.append(task_id)
                else:
                    plan.groups.setdefault(key, []).append(task_id)
            elif _is_id(hint.get("project_id")) and _is_id(hint.get("region_id")):
                plan.hinted.setdefault((hint["project_id"], hint["region_id"]), []).append(task_id)
            else:
                plan.unplaced.append(task_id)
        return plan

    def list_group(self, key, members):
        """How to poll the tasks of a known project/region: (tasks for a window list, tasks for after it).

        None when a list does not pay (fewer than BATCH_MIN tasks, lists off): read them by ID.
        The window is empty when the window list is crowded or too few tasks have a created_on.
        """
        if len(members) < BATCH_MIN or self.book.lists_off:
            return None
        windowed, others = [], []
        for task_id in members:
            (windowed if _moment(self.book.tasks[task_id]) is not None else others).append(task_id)
        if len(windowed) >= BATCH_MIN and key not in self.book.window_crowded:
            return windowed, others
        return [], windowed + others

    def list_order(self, key, task_ids):
        """The kinds of list (LIST_KINDS) to try for C(task_ids) of project/region C(key), in order:
        those not known to be crowded for them (a count never seen counts as not crowded). Known
        counts first; a crowd of active tasks is not in the ended list, so that one comes next."""
        counts = self.book.counts.get(key, {})
        worth = self.worth(task_ids, key)
        kinds = [kind for kind in LIST_KINDS if counts.get(kind, 0) <= worth]
        if counts.get("active", 0) > worth:
            kinds.sort(key=lambda kind: (kind not in counts, kind != "ended"))
        return kinds

    def crowded_fallback(self, key, task_ids):
        """Every list of project/region C(key) is crowded: the smallest, read whole, when one page holds it
        (("whole", kind)); else ("by_id", at most CROWDED_READS of C(task_ids), those read longest ago first)."""
        counts = self.book.counts.get(key, {})
        if counts:
            kind = min(counts, key=counts.get)
            if counts[kind] <= MAX_PAGE_SIZE:
                return "whole", kind
        oldest = sorted(task_ids, key=lambda task_id: self.book.read_in.get(task_id, -1))
        return "by_id", oldest[:CROWDED_READS]

    def active_pays(self, key, task_ids):
        """True when listing project/region C(key)'s active tasks pays for C(task_ids)."""
        return len(task_ids) >= BATCH_MIN and self.book.lists_usable(key)

    def near_window(self, moments):
        """Bounds of a list around created_on or submission moments (every one known), or None.

        Worth it for at least _NEAR_MIN tasks not active any more: tasks of a wait were mostly
        created close together; the span covers clock skew.
        """
        if len(moments) < _NEAR_MIN or not all(moment is not None for moment in moments) or self.book.lists_off:
            return None
        return min(moments) - _NEAR_SPAN, max(moments) + _NEAR_SPAN

    def window_bounds(self, task_ids):
        """The created_on window of tasks read before, with _WINDOW_SLACK on each side."""
        moments = [_moment(self.book.tasks[task_id]) for task_id in task_ids]
        return min(moments) - _WINDOW_SLACK, max(moments) + _WINDOW_SLACK

    def scan_type(self, task_ids):
        """The one task_type of these tasks, to narrow a list to it, or None."""
        return _single_type(self.book.tasks.get(task_id) for task_id in task_ids)

    def worth(self, wanted, key):
        """The most tasks a list may hold before it is crowded: _CROWD_FACTOR per task it serves (the
        wanted ones, or every task of the wait read in project/region C(key)) plus _CROWD_EXTRA."""
        ours = sum(1 for task in self.book.tasks.values() if _placement(task) == key) if key else 0
        return _CROWD_FACTOR * max(len(wanted), ours) + _CROWD_EXTRA


def window_params(key, bounds, task_type=None, states=None):
    """Query of GET /cloud/v1/tasks for project/region C(key) within C(bounds) (aware datetimes), of
    C(states) only when given."""
    params = {
        "project_id": [key[0]],
        "region_id": [key[1]],
        "from_timestamp": format_timestamp(bounds[0]),
        "to_timestamp": format_timestamp(bounds[1]),
        "order_by": "asc",
    }
    if task_type:
        params["task_type"] = task_type
    if states:
        params["state"] = list(states)
    return params


class RoundReader(object):
    """Reads the current state of tasks into a TaskBook, one poll round at a time, with the
    cheapest requests the RoundPlanner finds. C(deadline) (on the client's clock) bounds the
    client's retry sleeps."""

    def __init__(self, client, book=None):
        self.client = client
        self.book = book if book is not None else TaskBook()
        self.planner = RoundPlanner(self.book)
        self.deadline = None

    def poll(self, task_ids):
        """Read the current state of every task in one round, choosing the cheapest requests.

        Tasks of a known project/region: a list of their created_on window, or of the
        project/region's active tasks when the window is crowded; tasks missing from such a
        list are read by ID. Tasks never read: one read by ID reveals a project/region, whose
        active tasks are then listed. Every read by ID of the round goes out concurrently.
        A failed list only sends its tasks to reads by ID.
        """
        self.book.round += 1
        plan = self.planner.plan(task_ids)
        by_id, unplaced = list(plan.by_id), list(plan.unplaced)
        for key, members in plan.groups.items():
            by_id.extend(self._poll_group(key, members))
        listed = set()
        for key, members in plan.hinted.items():
            if self.planner.active_pays(key, members):
                listed.add(key)
                rest = self._scan_active(key, members)
                bounds = self.planner.near_window([self.book.hints[task_id]["submitted_at"] for task_id in rest])
                if bounds is not None:  # ended already: look around their submission time
                    rest = self._scan_window(key, rest, bounds)
                unplaced.extend(rest)
            else:
                unplaced.extend(members)
        by_id.extend(self._discover(unplaced, listed) if len(unplaced) >= _NEAR_MIN else unplaced)
        self.read_many(by_id)

    def salvage(self, task_ids):
        """Reads by ID failed: look for the tasks never read among the newest ones, once per wait.

        So a wait that must end (or miss a round) still returns what the tasks created.
        """
        book = self.book
        unread = [task_id for task_id in task_ids if task_id not in book.tasks and task_id not in book.vanished]
        if unread and not book.salvaged and not book.lists_off:
            book.salvaged = True
            self._list("/cloud/v1/tasks", {"order_by": "desc"}, unread)

    def _poll_group(self, key, members):
        """Poll the pending tasks of one known project/region; return the IDs to read by ID."""
        split = self.planner.list_group(key, members)
        if split is None:
            return list(members)
        windowed, rest = split
        if not windowed and key in self.book.window_crowded:
            windowed, rest = [task_id for task_id in rest if _moment(self.book.tasks[task_id]) is not None], \
                [task_id for task_id in rest if _moment(self.book.tasks[task_id]) is None]
            if len(windowed) < BATCH_MIN:
                windowed, rest = [], windowed + rest
        reads = self._poll_windowed(key, windowed) if windowed else []
        if self.planner.active_pays(key, rest):
            rest = self._scan_active(key, rest)
        return reads + rest

    def _poll_windowed(self, key, members):
        """Poll tasks of project/region C(key) whose created_on is known; return the IDs to read by ID.

        The first list of RoundPlanner.list_order that is not crowded answers for them all; when
        every one is crowded, RoundPlanner.crowded_fallback says what to read instead.
        """
        for kind in self.planner.list_order(key, members):
            reads = self._scan_kind(kind, key, members, whole=False)
            if reads is None:  # the list failed: read them by ID this round
                return list(members)
            if kind in self.planner.list_order(key, members):
                return reads
        how, what = self.planner.crowded_fallback(key, members)
        if how == "by_id":
            return what
        reads = self._scan_kind(what, key, members, whole=True)
        return list(members) if reads is None else reads

    def _scan_kind(self, kind, key, members, whole):
        """Read one kind of list (LIST_KINDS) for C(members); the IDs to read by ID after it, or None if it failed."""
        failures = self.book.list_failures
        if kind == "active":
            reads = self._scan_active(key, members, whole=whole)
        elif kind == "window":
            reads = self._scan_window(key, members, whole=whole)
        else:
            # Every ended task of the window was read: the others are still NEW or RUNNING, but for an
            # ended one the list gave without what it created.
            reads = self._scan_window(key, members, states=FINAL_STATES, whole=whole)
            reads = [task_id for task_id in reads if task_id in self.book.incomplete]
        return None if self.book.list_failures > failures else reads

    def _discover(self, task_ids, listed):
        """Place tasks never read: read one by ID, list the active tasks of its project/region, repeat.

        Returns the IDs left to read by ID (ended, elsewhere, or when discovery stops paying).
        """
        remaining = list(task_ids)
        misses = 0
        while (len(remaining) >= BATCH_MIN and not self.book.lists_off and len(listed) < _DISCOVERY_MAX
               and misses < 2):
            first = remaining.pop(0)
            self.read_many([first])
            key = _placement(self.book.tasks.get(first))
            if key is None:
                misses += 1
                continue
            if key in listed or not self.book.lists_usable(key):
                break  # the rest ended already, or sit elsewhere: cheaper read one by one
            listed.add(key)
            misses = 0
            before = len(remaining)
            remaining = self._scan_active(key, remaining)
            bounds = self.planner.near_window([_moment(self.book.tasks[first])] * len(remaining))
            if bounds is not None:
                remaining = self._scan_window(key, remaining, bounds)
            if len(remaining) == before:
                break  # the lists found none of the others: each sits elsewhere, read them at once by ID
        return remaining

    def read_many(self, task_ids):
        """Read these tasks by ID, concurrently over the keep-alive session; raise the first error after all."""
        task_ids = list(dict.fromkeys(task_ids))
        if not task_ids:
            return
        outcomes = each_concurrently(task_ids, self._read_one)
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
            self.book.keep(task_id, self.client.get_task(task_id, deadline=self.deadline))
        except MalformedAnswerError as exc:
            self.book.broken[task_id] = exc
        except GcoreError as exc:
            if exc.status != 404 or not exc.exception_class:
                return exc  # a 404 that is not Gcore's says nothing about the task: api_url is wrong
            self.book.vanished[task_id] = exc
        return None

    def _list(self, path, params, task_ids, key=None, kind=None, whole=False):
        """Read a list holding these tasks; absorb them. Returns (IDs not found, crowded) or None if it failed.

        Stops at the first page when C(count) says the list is crowded (see RoundPlanner.worth),
        unless C(whole): then every page is read. C(kind) (one of LIST_KINDS) keeps the count
        for project/region C(key). A failed or malformed list counts towards LIST_FAILURES_MAX.
        """
        wanted = set(task_ids)
        worth = self.planner.worth(wanted, key)
        offset = 0
        try:
            while True:
                size = min(MAX_PAGE_SIZE, worth) if offset == 0 and not whole else MAX_PAGE_SIZE
                count, results = self.client.list_page(path, params, limit=size, offset=offset,
                                                       deadline=self.deadline)
                if kind is not None:
                    self.book.counts.setdefault(key, {})[kind] = count
                self.book.absorb(results, wanted)
                offset += len(results)
                crowded = count > worth
                if crowded and not whole:
                    break
                if (not wanted and not whole) or not results or offset >= count:
                    break
        except GcoreError as exc:
            self.book.list_failures += 1
            self.book.last_list_error = exc
            if self.book.list_failures >= LIST_FAILURES_MAX:
                self.book.lists_off = True
            return None
        return [task_id for task_id in task_ids if task_id in wanted], crowded and not whole

    def _scan_active(self, key, task_ids, whole=False):
        """Read tasks among the project/region's NEW and RUNNING ones; return the IDs not there."""
        task_type = self.planner.scan_type(task_ids)
        params = {"task_type": task_type} if task_type else {}
        return self._scan("/cloud/v1/tasks/%d/%d/active" % key, params, key, task_ids, self.book.active_crowded,
                          "active", whole)

    def _scan_window(self, key, task_ids, bounds=None, states=None, whole=False):
        """Read tasks of one project/region created within the tasks' created_on window (or C(bounds)),
        of C(states) only when given (the window's ended tasks).

        Returns the IDs the window did not contain; a crowded window is remembered, so later
        rounds use another list instead. The counts of the tasks' own window are kept (not of
        C(bounds), which is wider).
        """
        kind = None if bounds is not None else "ended" if states else "window"
        bounds = bounds or self.planner.window_bounds(task_ids)
        params = window_params(key, bounds, self.planner.scan_type(task_ids), states)
        crowded_keys = set() if states else self.book.window_crowded
        return self._scan("/cloud/v1/tasks", params, key, task_ids, crowded_keys, kind, whole)

    def _scan(self, path, params, key, task_ids, crowded_keys, kind=None, whole=False):
        """List project/region C(key) for C(task_ids); return the IDs the list did not hold (all when it
        failed). A crowded list adds C(key) to C(crowded_keys), so later rounds read it another way."""
        outcome = self._list(path, params, task_ids, key, kind, whole)
        if outcome is None:
            return list(task_ids)
        missing, crowded = outcome
        if crowded:
            crowded_keys.add(key)
        return missing


class TaskWaiter(object):
    """The wait loop: polls rounds with a RoundReader until every task is FINISHED or ERROR, or the deadline.

    It owns the clock (the client's, unless C(clock) is given), the deadline, the sleeps
    between rounds and the progress hook. After wait() returns or raises, C(tasks) holds the
    last state read of each task, C(vanished) the tasks the API no longer knows (404), and
    C(last_error) the last API error a poll round tolerated.

    C(on_round), if given, is called as C(on_round(waiter, task_ids, pending)) after every
    poll round of wait(); an exception it raises is swallowed, never ending the wait.
    """

    def __init__(self, client, clock=None, sleep=None, on_round=None):
        self.client = client
        # The client's clock: its retries and this wait measure the one deadline alike.
        self.clock = clock or getattr(client, "clock", time.monotonic)
        # The client's liveness sleeps between rounds when there is one: a cancelled job's wait ends at once.
        liveness = getattr(client, "liveness", None)
        self.sleep = sleep or (liveness.sleep if liveness is not None else time.sleep)
        self.on_round = on_round
        self.reader = RoundReader(client)
        self.book = self.reader.book
        self.last_error = None
        self.rounds = 0
        self.elapsed = 0.0

    # What the wait knows, read by the wait result, the progress lines and tests.
    tasks = property(lambda self: self.book.tasks)
    vanished = property(lambda self: self.book.vanished)
    broken = property(lambda self: self.book.broken)
    hints = property(lambda self: self.book.hints)
    window_crowded = property(lambda self: self.book.window_crowded)
    active_crowded = property(lambda self: self.book.active_crowded)
    lists_off = property(lambda self: self.book.lists_off)
    deadline = property(lambda self: self.reader.deadline)

    def seed(self, task_id, project_id=None, region_id=None, submitted_at=None):
        """See TaskBook.seed."""
        self.book.seed(task_id, project_id, region_id, submitted_at)

    def pending(self, task_ids):
        """The task IDs not yet seen in a final state (and not vanished)."""
        return self.book.pending(task_ids)

    def unknown_api_error(self, task_ids):
        """See TaskBook.unknown_api_error."""
        return self.book.unknown_api_error(task_ids)

    def poll(self, task_ids):
        """One poll round (see RoundReader.poll)."""
        self.reader.poll(task_ids)

    def wait(self, task_ids, timeout, interval=None):
        """Poll until every task is final or C(timeout) seconds passed; return the IDs still pending.

        Retryable API errors (throttling, 5xx, network) are tolerated until the deadline,
        any other GcoreError is raised; self.tasks keeps what was read either way. When
        not one task is known at the first read, the API URL is the likelier culprit: that
        is raised as an ApiError naming the URL called.
        """
        start = self.clock()
        deadline = self.reader.deadline = start + timeout
        pending = list(task_ids)
        try:
            while True:
                try:
                    self.reader.poll(pending)
                    self.last_error = next(iter(self.book.broken.values()), None)
                except GcoreError as exc:
                    if exc.status != 404:  # a foreign 404 means a wrong api_url: a list would get one too
                        self.reader.salvage(pending)
                    if not exc.retryable:
                        raise
                    self.last_error = exc
                self.rounds += 1
                if self.rounds == 1:
                    unknown = self.book.unknown_api_error(task_ids)
                    if unknown is not None:
                        raise unknown
                pending = self.book.pending(pending)
                self._report_round(task_ids, pending)
                if pending and all(task_id in self.book.broken for task_id in pending):
                    raise self.book.broken[pending[0]]  # the others ended: only unreadable ones are left
                now = self.clock()
                if not pending or now >= deadline:
                    return pending
                types = [(self.book.tasks.get(task_id) or {}).get("task_type") for task_id in pending]
                self.sleep(max(0.0, min(poll_delay(self.rounds, types, interval), deadline - now)))
        finally:
            self.reader.deadline = None
            self.elapsed = self.clock() - start

    def _report_round(self, task_ids, pending):
        if self.on_round is None:
            return
        try:
            self.on_round(self, list(task_ids), list(pending))
        except Exception:  # pylint: disable=broad-except  # a progress display must never end a wait
            pass


class TasksRead(object):
    """What read_tasks found: C(tasks) the ones the API knows, in the order asked, C(missing) the IDs
    it does not know, C(not_found) the 404 of the first, C(none_known) when it knew none at all."""

    def __init__(self, tasks, missing, not_found, none_known):
        self.tasks = tasks
        self.missing = missing
        self.not_found = not_found
        self.none_known = none_known


def read_tasks(client, task_ids):
    """Read exactly these tasks with one poll round of the wait engine (no wait loop); return a TasksRead.

    A task answered with something that is not a task raises its MalformedAnswerError.
    """
    reader = RoundReader(client)
    reader.poll(task_ids)
    book = reader.book
    for task_id in task_ids:
        if task_id in book.broken:
            raise book.broken[task_id]
    missing = [task_id for task_id in task_ids if task_id in book.vanished]
    known = [book.tasks[task_id] for task_id in task_ids if task_id not in book.vanished]
    if missing:
        return TasksRead(known, missing, book.vanished[missing[0]], book.unknown_api_error(task_ids) is not None)
    return TasksRead(known, [], None, False)


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
