# -*- coding: utf-8 -*-
# This module_utils file is PRIVATE to the gcore.tasks collection.
# It may change at any time without notice; do not import it from other collections.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The behaviour of gcore_cleanup: delete what a job created, rank by rank, and wait for each rank.

plan_cleanup() turns a record (_record) into ranks of Targets, refusing bad input before any
request; Cleanup runs a plan against a client: per rank the DELETEs go out concurrently on the
client's keep-alive pool, their tasks are waited for with the wait engine, and a rank with a
failure stops the ranks after it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import random
import re
import time

from ansible_collections.gcore.tasks.plugins.module_utils._client import each_concurrently
from ansible_collections.gcore.tasks.plugins.module_utils._errors import MAYBE_PROCESSED, READ_FAILURES, GcoreError
from ansible_collections.gcore.tasks.plugins.module_utils._kinds import KINDS, PARTS
from ansible_collections.gcore.tasks.plugins.module_utils._module import GcoreModule, project_region_argument_spec
from ansible_collections.gcore.tasks.plugins.module_utils._progress import progress_reporter
from ansible_collections.gcore.tasks.plugins.module_utils._record import NOT_IDS, RECORD_FACT, merge_records, record_from
from ansible_collections.gcore.tasks.plugins.module_utils._request import answer_task_ids
from ansible_collections.gcore.tasks.plugins.module_utils._tasks import normalize_task_ids
from ansible_collections.gcore.tasks.plugins.module_utils._wait_result import (
    WAIT_OPTIONS,
    check_wait_options,
    wait_for_tasks,
)
from ansible_collections.gcore.tasks.plugins.module_utils._waiter import read_tasks

UNKNOWN_KINDS = ("fail", "skip")
# A resource ID or name as it may stand in a path: RFC 3986 unreserved characters only.
_REF_RE = re.compile(r"\A[A-Za-z0-9][A-Za-z0-9._~-]{0,254}\Z")
# 409 (still in use) is retried: the first sleep about CONFLICT_FIRST s, doubling up to
# CONFLICT_EVERY s (Terraform retries 409 every 10 s), each with jitter, within conflict_timeout.
CONFLICT_FIRST = 1.0
CONFLICT_EVERY = 10.0
_LISTED_IN_MESSAGE = 10
# Progress and messages say "3 floating IPs" and "1 instance", not "3 floatingips" and "1 instances".
_UNREAD = "the tasks of created could not be read (%s): only the IDs it names are deleted"
_KIND_WORDS = dict(k8s_clusters="Kubernetes cluster", loadbalancers="load balancer", floatingips="floating IP")


class Target(object):
    """One resource to delete: where it lives, how it is addressed, and what became of it."""

    def __init__(self, kind, resource_id, project_id, region_id):
        self.kind = kind                # the Kind (from _kinds.KINDS)
        self.id = resource_id           # as given in the record
        self.project_id = project_id
        self.region_id = region_id
        self.ref = str(resource_id)     # the path segment: the ID, or the name where kind.by_name
        self.outcome = None             # "deleted", "gone", "failed", "exists" (check mode)
        self.task_ids = []
        self.submitted_at = None
        self.failure = None             # dict(kind, id, status, message, request_id[, task_id])

    @property
    def path(self):
        """The path of the resource (its GET and its DELETE)."""
        return self.kind.item_path(self.project_id, self.region_id, self.ref)

    def fail(self, message, status=None, request_id=None, task_id=None):
        """Mark the resource as left behind, with what the API said."""
        self.outcome = "failed"
        self.failure = dict(kind=self.kind.key, id=self.id, status=status, message=message, request_id=request_id)
        if task_id:
            self.failure["task_id"] = task_id

    def fail_with(self, error):
        """Mark the resource as left behind because of a GcoreError."""
        self.fail(str(error), status=error.status, request_id=error.request_id)


class Plan(object):
    """What plan_cleanup() decided: C(ranks), a list of lists of Targets in delete order; the
    C(parts) that go with their parent and the C(skipped) IDs of unknown kinds, each {kind: [IDs]}.
    C(made_with): the resources Cleanup found made with one of the plan's ({id: the parent's id})."""

    def __init__(self, ranks, parts, skipped):
        self.ranks = ranks
        self.parts = parts
        self.skipped = skipped
        self.made_with = {}

    def targets(self, kind_key):
        """The targets of one kind."""
        return [target for rank in self.ranks for target in rank if target.kind.key == kind_key]

    def add(self, target):
        """Put C(target) in the rank of its kind (a new rank where the plan has none)."""
        for number, rank in enumerate(self.ranks):
            if rank[0].kind.rank == target.kind.rank:
                rank.append(target)
                return
            if rank[0].kind.rank > target.kind.rank:
                self.ranks.insert(number, [target])
                return
        self.ranks.append([target])


def _ids_text(ids):
    shown = ", ".join(str(item) for item in ids[:_LISTED_IN_MESSAGE])
    return shown + (" and %d more" % (len(ids) - _LISTED_IN_MESSAGE) if len(ids) > _LISTED_IN_MESSAGE else "")


def plan_cleanup(record, project_id=None, region_id=None, unknown_kinds="fail"):
    """The Plan of deleting what C(record) holds; raises ValueError, before any request, when it cannot.

    Each ID's project and region come from the record's scopes, else from C(project_id) /
    C(region_id). Kinds of _kinds.PARTS are not deleted (they go with their parent). Kinds the
    module does not know fail the plan, naming them, unless C(unknown_kinds) is C(skip).
    """
    created = record.get("created_resources") or {}
    scopes = record.get("scopes") or {}
    unknown = [kind for kind in created if kind not in KINDS and kind not in PARTS and created[kind]]
    if unknown and unknown_kinds != "skip":
        raise ValueError(
            "created holds kinds gcore_cleanup does not delete: %s. It deletes %s (and leaves %s to their parent); "
            "set unknown_kinds=skip to delete the rest and leave these alone" % (
                "; ".join("%s (%s)" % (kind, _ids_text(created[kind])) for kind in unknown),
                ", ".join(sorted(KINDS)), ", ".join(sorted(PARTS))))
    bad = ["%s %r" % (kind, item) for kind in created if kind in KINDS for item in created[kind]
           if not _REF_RE.match(str(item))]
    if bad:
        raise ValueError("created holds values that are not resource IDs: %s" % _ids_text(bad))
    for name, value in (("project_id", project_id), ("region_id", region_id)):
        if value is not None and value < 1:
            raise ValueError("%s must be a positive integer, got %s" % (name, value))
    by_rank, unplaced = {}, []
    for kind_key, ids in created.items():
        kind = KINDS.get(kind_key)
        if kind is None:
            continue
        for item in ids:
            scope = scopes.get(str(item)) or {}
            target = Target(kind, item, scope.get("project_id", project_id), scope.get("region_id", region_id))
            if target.project_id is None or target.region_id is None:
                unplaced.append("%s %s" % (kind_key, item))
            by_rank.setdefault(kind.rank, []).append(target)
    if unplaced:
        raise ValueError("the project and region of %s are not known: created does not say (give the registered "
                         "result or the %s fact, whose tasks tell), so set project_id and region_id (or "
                         "GCORE_CLOUD_PROJECT_ID and GCORE_CLOUD_REGION_ID)" % (_ids_text(unplaced), RECORD_FACT))
    parts = dict((kind, list(ids)) for kind, ids in created.items() if kind in PARTS and ids)
    skipped = dict((kind, list(created[kind])) for kind in unknown)
    return Plan([by_rank[rank] for rank in sorted(by_rank)], parts, skipped)


def conflict_delay(attempt, rand=random.random):
    """Seconds to sleep before sending a DELETE refused with 409 again (attempt 0 is the first retry).

    Doubles from CONFLICT_FIRST up to CONFLICT_EVERY; the jitter (half to all of it) keeps the
    DELETEs of one rank from coming back all at the same moment.
    """
    delay = min(CONFLICT_EVERY, CONFLICT_FIRST * 2 ** attempt)
    return delay * (0.5 + 0.5 * rand())


def _describe_kinds(counts):
    """'5 instances, 1 load balancer' from [(kind key, count)]."""
    words = []
    for key, count in counts:
        word = _KIND_WORDS.get(key, key[:-1] if key.endswith("s") else key)
        words.append("%d %s%s" % (count, word, "" if count == 1 else "s"))
    return ", ".join(words)


def _by_kind(targets, outcome):
    result = {}
    for target in targets:
        if target.outcome == outcome:
            result.setdefault(target.kind.key, []).append(target.id)
    return result


class Cleanup(object):
    """Runs a Plan against a GcoreClient: rank by rank, DELETEs at most POOL_MAXSIZE at a time, then a wait.

    C(wait) waits for one rank's tasks: C(wait(task_ids, hints, timeout)) returns the WaitOutcome of
    the collection's wait function (see rank_wait()). C(wait_timeout) bounds every wait together,
    C(conflict_timeout) the 409 retries of each resource; both are measured on C(clock), the
    client's clock, which also bounds the client's retry sleeps. C(say) (or None) takes a line
    as each rank starts.
    """

    def __init__(self, client, wait, wait_timeout, conflict_timeout, clock=None, sleep=time.sleep,
                 rand=random.random, say=None):
        self.client = client
        self.wait = wait
        self.wait_timeout = wait_timeout
        self.conflict_timeout = conflict_timeout
        self.clock = clock or getattr(client, "clock", time.monotonic)
        self.sleep = sleep
        self.rand = rand
        self.say = say
        self.deadline = None
        self.task_ids = []
        self.warnings = []

    def run(self, plan, check_mode=False):
        """Delete (or, in check mode, read) every target; return the targets not started (later ranks after a failure)."""
        self.deadline = self.clock() + self.wait_timeout
        self.add_network_routers(plan)
        for number, targets in enumerate(plan.ranks, 1):
            counts = [(key, len([t for t in targets if t.kind.key == key]))
                      for key in dict.fromkeys(t.kind.key for t in targets)]
            if self.say is not None:
                self.say("step %d of %d: %s %s" % (number, len(plan.ranks), "reading" if check_mode else "deleting",
                                                   _describe_kinds(counts)))
            self.resolve_names(targets)
            if check_mode:
                self._each([t for t in targets if t.outcome is None], self.read_one)
                continue
            self._each([t for t in targets if t.outcome is None], self.delete_one)
            self.wait_rank(targets)
            if any(target.outcome == "failed" for target in targets):
                return [t for rank in plan.ranks[number:] for t in rank]
        return []

    def add_network_routers(self, plan):
        """Add to the plan the routers made with its networks, which the record cannot name.

        A network is created with a router by default (the API's create_router): the network's task
        makes it, but names only the network in its created_resources, and the network's subnets and
        the network itself cannot be deleted while the router is there. Such a router carries the
        network's C(creator_task_id): per project/region with networks to delete, one list of
        networks gives their creator tasks and one list of routers the routers those tasks made;
        each goes into the routers rank (before subnets and networks). A list that fails adds
        nothing and leaves a warning (the network's DELETE then names what holds it).
        """
        networks = {}
        for target in plan.targets("networks"):
            networks.setdefault((target.project_id, target.region_id), {})[str(target.id).lower()] = target
        known = set(str(target.id).lower() for target in plan.targets("routers"))
        for (project_id, region_id), members in networks.items():
            try:
                creators = dict(
                    (str(item.get("creator_task_id")).lower(), members[str(item.get("id")).lower()])
                    for page in self.client.iter_pages(KINDS["networks"].list_path(project_id, region_id),
                                                       deadline=self.deadline)
                    for item in page if str(item.get("id")).lower() in members and item.get("creator_task_id"))
                routers = [item for page in self.client.iter_pages(KINDS["routers"].list_path(project_id, region_id),
                                                                   deadline=self.deadline)
                           for item in page] if creators else []
            except READ_FAILURES as exc:
                self.warnings.append("the routers made with the networks of project %s, region %s could not be "
                                     "looked for: %s" % (project_id, region_id, exc))
                continue
            for router in routers:
                network = creators.get(str(router.get("creator_task_id")).lower())
                ref = router.get("id")
                if network is None or not isinstance(ref, str) or not _REF_RE.match(ref) or ref.lower() in known \
                        or "delet" in str(router.get("status") or "").lower():
                    continue
                known.add(ref.lower())
                plan.add(Target(KINDS["routers"], ref, project_id, region_id))
                plan.made_with[ref] = network.id

    def _each(self, targets, action):
        """Run C(action) on every target, concurrently over the client's pool (bounded by POOL_MAXSIZE)."""
        each_concurrently(targets, action)

    def resolve_names(self, targets):
        """Find the name of each target of a kind addressed by name (k8s clusters) by listing its scope.

        A target whose ID is not listed (nor used as a name) is already gone.
        """
        groups = {}
        for target in targets:
            if target.kind.by_name and target.outcome is None:
                groups.setdefault((target.kind.key, target.project_id, target.region_id), []).append(target)
        for (_key, project_id, region_id), members in groups.items():
            kind = members[0].kind
            try:
                listed = [item for page in self.client.iter_pages(kind.list_path(project_id, region_id),
                                                                  deadline=self.deadline)
                          for item in page]
            except GcoreError as exc:
                for target in members:
                    target.fail("the name of %s %s could not be found: %s" % (kind.key, target.id, exc),
                                status=exc.status, request_id=exc.request_id)
                continue
            names_of = dict((str(item.get("id")), item.get("name")) for item in listed if item.get("id") is not None)
            names = set(item.get("name") for item in listed)
            for target in members:
                name = names_of.get(target.ref, target.ref if target.ref in names else None)
                if name is None:
                    target.outcome = "gone"
                elif not isinstance(name, str) or not _REF_RE.match(name):
                    target.fail("%s %s is named %r, which cannot be sent in a path" % (kind.key, target.id, name))
                else:
                    target.ref = name

    def read_one(self, target):
        """Check mode: GET the resource; 404 means already gone."""
        if target.kind.by_name:  # resolve_names listed it: it exists
            target.outcome = "exists"
            return
        try:
            self.client.request("GET", target.path, deadline=self.deadline)
            target.outcome = "exists"
        except GcoreError as exc:
            if exc.status == 404 and exc.exception_class:
                target.outcome = "gone"
            else:
                target.fail_with(exc)

    def delete_one(self, target):
        """DELETE the resource through the client's write path (never re-sent when the API may have acted).

        404 (Gcore's, with an exception_class) means already gone; 409 is sent again after
        conflict_delay() until conflict_timeout has passed since the first 409; a DELETE that may
        have been processed is confirmed by a GET (confirm()).
        """
        first_conflict, attempt = None, 0
        while True:
            target.submitted_at = datetime.datetime.now(datetime.timezone.utc)
            try:
                _status, answer = self.client.call("DELETE", target.path, deadline=self.deadline)
            except GcoreError as exc:
                if exc.status == 404 and exc.exception_class:
                    target.outcome = "gone"
                    return
                if exc.status == 409:
                    now = self.clock()
                    first_conflict = now if first_conflict is None else first_conflict
                    left = first_conflict + self.conflict_timeout - now
                    if left > 0:
                        self.sleep(min(left, conflict_delay(attempt, self.rand)))
                        attempt += 1
                        continue
                    exc.message += "; still refused after %ss (conflict_timeout)" % self.conflict_timeout
                if exc.maybe_processed:
                    self.confirm(target, exc)
                else:
                    target.fail_with(exc)
                return
            try:
                target.task_ids = answer_task_ids(answer)
            except ValueError as exc:
                target.fail("DELETE %s was answered with tasks that are not task IDs: %s; %s"
                            % (target.path, exc, MAYBE_PROCESSED))
                return
            target.outcome = "deleted" if not target.task_ids else None
            return

    def confirm(self, target, error):
        """A DELETE that may have been processed is not sent again: a GET tells what became of it.

        404: gone (deleted). A resource being deleted whose C(task_id) names the task working on it:
        that task is waited for. Anything else: the resource fails with the DELETE's error.
        """
        try:
            resource = self.client.request("GET", target.path, deadline=self.deadline)
        except GcoreError as exc:
            if exc.status == 404 and exc.exception_class:
                target.outcome = "deleted"
                return
            target.fail_with(error)
            return
        resource = resource if isinstance(resource, dict) else {}
        status, task_id = resource.get("status"), resource.get("task_id")
        if isinstance(status, str) and "delet" in status.lower() and isinstance(task_id, str):
            try:
                target.task_ids = normalize_task_ids([task_id])
                return
            except ValueError:
                pass
        target.fail_with(error)

    def wait_rank(self, targets):
        """Wait for the delete tasks of one rank; a target is deleted when all its tasks FINISHED."""
        waiting = [target for target in targets if target.outcome is None and target.task_ids]
        task_ids = list(dict.fromkeys(task_id for target in waiting for task_id in target.task_ids))
        self.task_ids.extend(task_ids)
        if not task_ids:
            return
        hints = dict((task_id, dict(project_id=target.project_id, region_id=target.region_id,
                                    submitted_at=target.submitted_at))
                     for target in waiting for task_id in target.task_ids)
        outcome = self.wait(task_ids, hints, max(0.0, self.deadline - self.clock()))
        tasks = dict((str(task.get("id")).lower(), task) for task in outcome.result["tasks"])
        failed = dict((summary["id"], summary) for summary in outcome.result["failed_tasks"])
        for target in waiting:
            self._conclude(target, tasks, failed, outcome.error)

    def _conclude(self, target, tasks, failed, error):
        """What the wait says of one target: deleted, or failed naming its task."""
        for task_id in target.task_ids:
            task = tasks.get(task_id) or {}
            if task.get("state") == "FINISHED":
                continue
            if task_id in failed:
                what = "ended in ERROR" if task.get("state") == "ERROR" else "failed"
                target.fail("the delete task %s %s: %s" % (task_id, what, " ".join(
                    str(failed[task_id].get("error") or "no error text").split())),
                    request_id=task.get("request_id"), task_id=task_id)
            elif error is not None and not tasks:
                target.fail("waiting for the delete task %s stopped: %s" % (task_id, error), status=error.status,
                            request_id=error.request_id, task_id=task_id)
            else:
                target.fail("the delete task %s has not ended (%s) within wait_timeout (%ss)%s"
                            % (task_id, task.get("state") or "not read", self.wait_timeout,
                               "; last API error: %s" % error if error is not None else ""), task_id=task_id)
            return
        target.outcome = "deleted"


def add_created_by_tasks(record, client, wait, timeout, check_mode=False, say=None):
    """The record with the IDs its own tasks created that it does not name yet.

    A record's C(task_ids) may name tasks whose created IDs it lacks: a create sent with
    C(wait: false), or one still running when its wait failed or timed out (then its ID did not
    exist yet). Each task is read once (_waiter.read_tasks: one round of the wait engine); a task
    still running that is not a delete is waited for within C(timeout) (C(wait(task_ids, hints,
    timeout))), not in check mode, so that what it makes is deleted too.

    C(say) (or None) takes a line before that wait.

    Returns (record, added {kind: [IDs]}, still_creating [task IDs], warnings, the tasks read {id: task}).
    """
    task_ids = list(record.get("task_ids") or [])
    if not task_ids:
        return record, {}, [], [], {}
    try:
        found = read_tasks(client, task_ids)
    except READ_FAILURES as exc:
        return record, {}, [], [_UNREAD % exc], {}
    warnings = [_UNREAD % (found.not_found if found.none_known else "%d not found: %s" % (
        len(found.missing), _ids_text(found.missing)))] if found.missing else []
    tasks = dict((task["id"], task) for task in found.tasks)
    running = [task_id for task_id in task_ids if (tasks.get(task_id) or {}).get("state") in ("NEW", "RUNNING")
               and not str(tasks[task_id].get("task_type") or "").startswith("delete")]
    if running and not check_mode:
        if say is not None:
            say("waiting for %d create task(s) of created still running, to delete what they make" % len(running))
        hints = dict((task_id, dict(project_id=tasks[task_id].get("project_id"),
                                    region_id=tasks[task_id].get("region_id"))) for task_id in running)
        waited = wait(running, hints, timeout)
        tasks.update((task["id"], task) for task in waited.result["tasks"] if isinstance(task.get("id"), str))
    still = [task_id for task_id in running if (tasks.get(task_id) or {}).get("state") in ("NEW", "RUNNING")]
    ended = [task for task in tasks.values() if task.get("state") == "FINISHED"]
    merged = merge_records(record, dict(tasks=ended))
    added = {}
    for kind, ids in merged["created_resources"].items():
        new = [item for item in ids if item not in (record.get("created_resources") or {}).get(kind, [])]
        if new:
            added[kind] = new
    return merged, added, still, warnings, tasks


def cleared_tasks(tasks, result):
    """The tasks (of C(tasks), {id: task}) that ended and whose every created ID C(result) found gone
    (deleted, already gone, with its parent): nothing of theirs is left to delete."""
    gone = set(str(item) for key in ("deleted", "already_gone", "with_parent")
               for ids in result[key].values() for item in ids)
    cleared = []
    for task_id, task in tasks.items():
        made = task.get("created_resources") if isinstance(task.get("created_resources"), dict) else {}
        if task.get("state") in ("FINISHED", "ERROR") and all(
                str(item) in gone for kind, ids in made.items() if kind not in NOT_IDS and isinstance(ids, list)
                for item in ids):
            cleared.append(task_id)
    return cleared


class _WaitOptions(object):
    """What the wait function reads of a module (its client and wait options), for one rank's wait."""

    def __init__(self, client, params):
        self.client = client
        self.params = params


def rank_wait(client, params):
    """The wait of one rank: the collection's wait function with the module's wait_sleep,
    progress_interval and mask_task_data, for the time left; tasks whole (request_id kept)."""
    def wait(task_ids, hints, timeout):
        options = dict(params, wait_timeout=timeout, fail_on_error=True, full_tasks=True)
        return wait_for_tasks(_WaitOptions(client, options), task_ids, hints)
    return wait


def cleanup_result(plan, not_started, task_ids, elapsed, check_mode):
    """The module's result: deleted / already_gone by kind, failed, task_ids, elapsed (check mode: would_delete)."""
    targets = [target for rank in plan.ranks for target in rank]
    deleted = _by_kind(targets, "deleted")
    gone = _by_kind(targets, "gone")
    failed_kinds = set(target.kind.key for target in targets if target.outcome not in ("deleted", "gone"))
    result = dict(
        changed=bool(deleted) or (check_mode and any(target.outcome == "exists" for target in targets)),
        deleted=deleted,
        already_gone=gone,
        failed_resources=[target.failure for target in targets if target.failure is not None],
        not_started=dict((key, ids) for key, ids in _group(not_started).items()),
        # Parts went with their parent once every resource of the parent's kind is gone.
        with_parent=dict((kind, ids) for kind, ids in plan.parts.items()
                         if not check_mode and PARTS[kind] not in failed_kinds),
        skipped_unknown=plan.skipped,
        made_with=dict(plan.made_with),
        task_ids=task_ids,
        elapsed=round(elapsed, 3),
    )
    if check_mode:
        result["would_delete"] = _by_kind(targets, "exists")
    return result


def _group(targets):
    grouped = {}
    for target in targets:
        grouped.setdefault(target.kind.key, []).append(target.id)
    return grouped


def failure_message(result):
    """One line naming each resource left (message and request_id) and the kinds not started."""
    failed = result["failed_resources"]
    parts = []
    for entry in failed[:_LISTED_IN_MESSAGE]:
        text = "%s %s: %s" % (entry["kind"], entry["id"], entry["message"])
        if entry.get("request_id") and "request_id %s" % entry["request_id"] not in text:
            text += " (request_id %s)" % entry["request_id"]
        parts.append(text)
    if len(failed) > _LISTED_IN_MESSAGE:
        parts.append("and %d more (see failed_resources)" % (len(failed) - _LISTED_IN_MESSAGE))
    message = "%d resource(s) could not be deleted: %s" % (len(failed), "; ".join(parts)) if failed else ""
    if result.get("still_creating"):
        message += "%s%d create task(s) of created still running at wait_timeout, so what they make could not be " \
                   "deleted: %s (see still_creating)" % ("; " if message else "", len(result["still_creating"]),
                                                         _ids_text(result["still_creating"]))
    if result["not_started"]:
        message += ". Not started, as they may depend on those: %s (see not_started)" % _describe_kinds(
            [(key, len(ids)) for key, ids in result["not_started"].items()])
    return " ".join(message.split())


class CleanupModule(GcoreModule):
    """gcore_cleanup: delete what a job created, in dependency order, and wait for it."""

    argument_spec = dict(
        created=dict(type="raw", required=True),
        unknown_kinds=dict(type="str", default="fail", choices=list(UNKNOWN_KINDS)),
        conflict_timeout=dict(type="float", default=300.0),
        **dict(project_region_argument_spec(),
               **dict((name, WAIT_OPTIONS[name]) for name in ("wait_timeout", "wait_sleep", "progress_interval")))
    )

    def run(self):
        params = self.params
        check_wait_options(self)
        if params["conflict_timeout"] < 0:
            self.fail("conflict_timeout must be 0 (no retry) or more seconds, got %s" % params["conflict_timeout"])
        scope = (params["project_id"], params["region_id"], params["unknown_kinds"])
        try:
            record = record_from(params["created"])
            plan_cleanup(record, *scope)  # bad input fails here, before any request
        except ValueError as exc:
            self.fail(str(exc))
        lines = progress_reporter(params["progress_interval"])
        say = lines.write if lines is not None else None
        clock = getattr(self.client, "clock", time.monotonic)
        started = clock()
        record, from_tasks, still, warnings, tasks = add_created_by_tasks(
            record, self.client, rank_wait(self.client, params), params["wait_timeout"], self.module.check_mode, say)
        try:
            plan = plan_cleanup(record, *scope)
        except ValueError as exc:
            self.fail("what the tasks of created made cannot be deleted: %s" % exc, created_by_tasks=from_tasks)
        cleanup = Cleanup(self.client, rank_wait(self.client, params), params["wait_timeout"],
                          params["conflict_timeout"], say=say)
        not_started = cleanup.run(plan, check_mode=self.module.check_mode)
        for warning in warnings + cleanup.warnings:
            self.module.warn(warning)
        result = cleanup_result(plan, not_started, cleanup.task_ids, clock() - started, self.module.check_mode)
        result.update(created_by_tasks=from_tasks, still_creating=still,
                      cleared_task_ids=[] if self.module.check_mode else cleared_tasks(tasks, result))
        if result["failed_resources"] or (still and not self.module.check_mode):
            self.fail(failure_message(result), **result)
        return result
