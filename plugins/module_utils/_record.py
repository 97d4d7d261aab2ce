# -*- coding: utf-8 -*-
# This module_utils file is PRIVATE to the gcore.tasks collection.
# It may change at any time without notice; do not import it from other collections.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The record of what a job created: one shape, built from any module result, merged and trimmed.

A record is a dict with three keys, the same on every host and in every AWX artifact::

    {"created_resources": {"volumes": ["<id>", ...], ...},    # union by kind, first-seen order
     "scopes": {"<id>": {"project_id": 1, "region_id": 76}},  # where each ID lives, when known
     "task_ids": ["<task id>", ...]}                          # every task the calls started or waited for

Because a record carries C(created_resources), a record, a registered result of any module of
the collection and a bare created_resources dict are all read the same way (record_from).
The action plugins keep the C(gcore_created_record) fact of each host with merge_records and
record_without; gcore_cleanup reads its C(created) option with record_from.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

RECORD_FACT = "gcore_created_record"
# Keys of created_resources whose values are not resource IDs of this project/region (integers).
NOT_IDS = frozenset(("projects", "ddos_profiles"))
# Keys of any Ansible task result: a result of another module (a rescue's ansible_failed_result) names nothing.
_RESULT_KEYS = frozenset(("changed", "failed", "msg", "skipped", "invocation"))


def empty_record():
    """A record holding nothing."""
    return dict(created_resources={}, scopes={}, task_ids=[])


def _add_ids(target, kind, ids):
    known = target.setdefault(kind, [])
    for item in ids:
        if isinstance(item, (str, int)) and not isinstance(item, bool) and item not in known:
            known.append(item)


def _scope(project_id, region_id):
    if isinstance(project_id, int) and isinstance(region_id, int) \
            and not isinstance(project_id, bool) and not isinstance(region_id, bool):
        return dict(project_id=project_id, region_id=region_id)
    return None


def _is_created_resources(value):
    return isinstance(value, dict) and all(isinstance(ids, list) for ids in value.values())


def record_from_result(result):
    """The record of one module result (or of a record, or of a created_resources dict).

    Reads C(created_resources), C(tasks) (each task's own created_resources, else its entry of
    C(created_resources_by_task); its project_id and region_id, else the result's, give the scope of
    its IDs), C(task_ids), and C(scopes) (a record's, or a module's scopes of resources it adopted).
    Anything else in C(result) is ignored.
    """
    record = empty_record()
    if not isinstance(result, dict):
        return record
    if not set(("created_resources", "tasks", "task_ids", "scopes")).intersection(result) \
            and _is_created_resources(result):
        result = dict(created_resources=result)
    created = result.get("created_resources")
    if isinstance(created, dict):
        for kind, ids in created.items():
            if isinstance(ids, list) and ids:
                _add_ids(record["created_resources"], kind, ids)
    # A compact task leaves its created_resources to created_resources_by_task, and gcore_request's leave
    # the project and region of the call's path to the result's project_id and region_id.
    by_task = result.get("created_resources_by_task")
    by_task = by_task if isinstance(by_task, dict) else {}
    for task in result.get("tasks") or []:
        if not isinstance(task, dict):
            continue
        scope = _scope(task.get("project_id", result.get("project_id")), task.get("region_id", result.get("region_id")))
        resources = task.get("created_resources", by_task.get(task.get("id")))
        if isinstance(resources, dict):
            for kind, ids in resources.items():
                if isinstance(ids, list) and ids:
                    _add_ids(record["created_resources"], kind, ids)
                    if scope and kind not in NOT_IDS:
                        for item in ids:
                            record["scopes"].setdefault(str(item), dict(scope))
        if isinstance(task.get("id"), str):
            _add_ids({"t": record["task_ids"]}, "t", [task["id"].lower()])
    for task_id in result.get("task_ids") or []:
        if isinstance(task_id, str):
            _add_ids({"t": record["task_ids"]}, "t", [task_id.lower()])
    scopes = result.get("scopes")
    if isinstance(scopes, dict):
        for item, scope in scopes.items():
            scope = _scope(*(scope.get("project_id"), scope.get("region_id"))) if isinstance(scope, dict) else None
            if scope:
                record["scopes"].setdefault(str(item), scope)
    return record


def merge_records(*records):
    """The union of the records, in order: IDs first seen first, the first known scope of each ID."""
    merged = empty_record()
    for record in records:
        record = record_from_result(record)
        for kind, ids in record["created_resources"].items():
            _add_ids(merged["created_resources"], kind, ids)
        for item, scope in record["scopes"].items():
            merged["scopes"].setdefault(item, scope)
        _add_ids({"t": merged["task_ids"]}, "t", record["task_ids"])
    return merged


def record_from(value):
    """A record from what a user may hand on: a record, a module result, a created_resources dict,
    a registered loop result (its C(results)), or a list of any of these. The result of a task of
    another module (no created_resources, tasks or task_ids) is an empty record. Raises ValueError otherwise."""
    if value is None or value == "" or value == {} or value == []:
        return empty_record()
    if isinstance(value, list):
        return merge_records(*[record_from(item) for item in value])
    if not isinstance(value, dict):
        raise ValueError("expected a created_resources dict, a registered result or the %s fact, got %s"
                         % (RECORD_FACT, type(value).__name__))
    if isinstance(value.get("results"), list) and "created_resources" not in value:
        return merge_records(*[record_from(item) for item in value["results"] if isinstance(item, dict)])
    if "created_resources" in value or "tasks" in value or "task_ids" in value or "scopes" in value:
        return record_from_result(value)
    if _is_created_resources(value):
        return record_from_result(dict(created_resources=value))
    if _RESULT_KEYS.intersection(value):
        return empty_record()
    raise ValueError("expected a created_resources dict ({kind: [IDs]}), a registered result or the %s fact; "
                     "got a dict with keys %s" % (RECORD_FACT, ", ".join(sorted(str(key) for key in value)[:10])))


def record_without(record, gone, task_ids=()):
    """The record less the IDs in C(gone) ({kind: [IDs]}) and the C(task_ids) (tasks with nothing
    left to delete); kinds left empty are dropped, scopes too."""
    record = record_from_result(record)
    cleared = set(str(task_id).lower() for task_id in task_ids or [])
    record["task_ids"] = [task_id for task_id in record["task_ids"] if task_id not in cleared]
    for kind, ids in (gone or {}).items():
        if kind in record["created_resources"]:
            drop = set(ids or [])
            kept = [item for item in record["created_resources"][kind] if item not in drop]
            if kept:
                record["created_resources"][kind] = kept
            else:
                del record["created_resources"][kind]
    still = set(str(item) for ids in record["created_resources"].values() for item in ids)
    record["scopes"] = dict((item, scope) for item, scope in record["scopes"].items() if item in still)
    return record
