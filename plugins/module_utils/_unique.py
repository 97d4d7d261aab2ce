# -*- coding: utf-8 -*-
# This module_utils file is PRIVATE to the gcore.tasks collection.
# It may change at any time without notice; do not import it from other collections.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""unique_by of gcore_request: find, before any write, the resources a create call's bodies already made.

Gcore names are not unique and the API has no idempotency key, so a rerun of a create call
creates again unless something looks first. find_existing() reads the call's collection once
(every page, narrowed by a server-side filter where the kind has one) and, for each body,
finds the resources whose C(unique_by) fields equal the body's. The comparison is always
exact here, whatever the server's filter does (some filters match substrings).

  no match          the body is sent
  one match         the body is not sent; the resource is adopted (its task waited for while it runs)
  several matches   the call fails before any write, naming them
  a match in error  the call fails before any write, naming it
  a match being deleted does not count

A create that is still queued or running may not be listed yet (an API may list a resource only
once its task runs, or even ends): for a kind it knows, find_existing() also reads the project/region's
active tasks of the kind's create type, before the list, and a task whose C(data) (the body it was
sent) matches a body counts as a match too: that body is not sent, the task is waited for and its
created ID is the body's. Reading the tasks first closes the gap of a task ending between the two
reads: its resource is then listed, naming the task as its creator.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

from ansible_collections.gcore.tasks.plugins.module_utils._errors import READ_FAILURES, ApiError
from ansible_collections.gcore.tasks.plugins.module_utils._kinds import kind_of_collection

# Statuses (lower case) of a resource still being made, going away, or broken, across the kinds'
# APIs (volumes creating/deleting, instances BUILD/DELETING, load balancers PENDING_CREATE, ...).
CREATING = frozenset(("creating", "build", "building", "pending_create", "provisioning", "new", "queued", "pending"))
DELETING = frozenset(("deleting", "deleted", "pending_delete", "soft_deleted", "soft-deleted"))
_ERROR_RE = re.compile(r"\A(error|failed)|_failed\Z")
_TASK_ENDED = ("FINISHED", "ERROR")
# The project and region of a Cloud collection path: its last two integer segments.
_SCOPED_RE = re.compile(r"\A(/cloud/v\d+/(?:[^/]+/)*?[^/]+)/(\d+)/(\d+)/?\Z")
_LISTED = 10


class UniqueError(Exception):
    """unique_by cannot let the call go on; C(ids) names the resources concerned (may be empty).

    Raised before any write: bad unique_by input, several matches, a match in an error state.
    """

    def __init__(self, message, ids=None):
        super(UniqueError, self).__init__(message)
        self.message = message
        self.ids = list(ids or [])


class Adopted(object):
    """A resource that one body already made: reported as C(existing), its ID as created.

    From a listed resource (C(resource)), or from a create task not ended whose resource is not
    listed yet (C(task)): its ID is known once that task, waited for with the call's own, has FINISHED.
    """

    def __init__(self, resource=None, wait_task_id=None, task=None):
        self.resource = resource or {}
        self.task = task
        self.wait_task_id = wait_task_id if task is None else task["id"]  # waited for with the call's own

    @property
    def id(self):
        """Its ID (its name for a kind without one); None while only its create task is known."""
        return self.resource.get("id") if self.resource.get("id") is not None else self.resource.get("name")

    def existing(self):
        """C(existing) of the body's result entry: id, name, status (and the task waited for, if any).

        For a create task whose resource is not listed yet: id None, the name the task was sent,
        status the task's state (NEW or RUNNING)."""
        if self.task is not None:
            return dict(id=None, name=_data(self.task).get("name"), status=self.task.get("state"),
                        task_id=self.wait_task_id)
        existing = dict(id=self.id, name=self.resource.get("name"), status=status_of(self.resource))
        if self.wait_task_id:
            existing["task_id"] = self.wait_task_id
        return existing


class Plan(object):
    """What find_existing found: per body an Adopted or None (send it), and where the kind lives."""

    def __init__(self, key, list_path, project_id, region_id, adopted, pages, warnings=()):
        self.key = key                  # the created_resources key of the kind
        self.list_path = list_path      # where it was listed
        self.project_id = project_id
        self.region_id = region_id
        self.adopted = adopted          # one Adopted or None per body, in body order
        self.pages = pages              # list pages read
        self.warnings = list(warnings)  # what could not be checked, for the module to warn of

    def to_send(self):
        """Indexes of the bodies nothing matched."""
        return [index for index, adopted in enumerate(self.adopted) if adopted is None]

    def wait_task_ids(self):
        """The tasks still creating adopted resources, first-seen order."""
        return list(dict.fromkeys(adopted.wait_task_id for adopted in self.adopted
                                  if adopted is not None and adopted.wait_task_id))

    def created_resources(self):
        """The adopted IDs known now under the kind's key ({} when none is)."""
        ids = list(dict.fromkeys(adopted.id for adopted in self.adopted
                                 if adopted is not None and adopted.id is not None))
        return {self.key: ids} if ids else {}

    def scopes(self):
        """Where each adopted ID lives, for the record: {id: {project_id, region_id}}."""
        if self.project_id is None:
            return {}
        return dict((str(adopted.id), dict(project_id=self.project_id, region_id=self.region_id))
                    for adopted in self.adopted if adopted is not None and adopted.id is not None)


def status_of(resource):
    """A resource's status (load balancers name it provisioning_status), or None."""
    status = resource.get("status")
    if status is None:
        status = resource.get("provisioning_status")
    return status if isinstance(status, str) else None


def _state(resource):
    status = (status_of(resource) or "").lower()
    if status in DELETING:
        return "deleting"
    if _ERROR_RE.search(status):
        return "error"
    if status in CREATING:
        return "creating"
    return "ready"


def tags_dict(tags):
    """Tags as a {key: value} dict, from the API's list of {key, value} or a dict already."""
    if isinstance(tags, dict):
        return tags
    found = {}
    for tag in tags or []:
        if isinstance(tag, dict) and "key" in tag:
            found[tag["key"]] = tag.get("value")
    return found


def _matches(resource, body, unique_by):
    for field in unique_by:
        if field == "tags":
            have = tags_dict(resource.get("tags"))
            if any(key not in have or have[key] != value for key, value in tags_dict(body.get("tags")).items()):
                return False
        elif field not in resource or resource[field] != body[field]:
            return False
    return True


def _data(task):
    """A task's data (the parameters of the call that started it) as a dict ({} when it has none)."""
    data = task.get("data")
    return data if isinstance(data, dict) else {}


def _shown(body, unique_by):
    return ", ".join("%s=%s" % (field, body.get(field)) for field in unique_by)


def _listed(ids):
    more = " and %d more" % (len(ids) - _LISTED) if len(ids) > _LISTED else ""
    return ", ".join(str(item) for item in ids[:_LISTED]) + more


def check_unique_by(method, bodies, unique_by):
    """Refuse unique_by input that cannot work, before any request (raises UniqueError)."""
    if not unique_by or not all(isinstance(field, str) and field for field in unique_by):
        raise UniqueError("unique_by must be a non-empty list of body field names, such as [name]")
    if method != "POST":
        raise UniqueError("unique_by applies to create calls (method POST), not %s" % method)
    seen = {}
    for index, body in enumerate(bodies):
        if not isinstance(body, dict):
            raise UniqueError("unique_by needs a body: bodies[%d] has none" % index)
        missing = [field for field in unique_by if field not in body]
        if missing:
            raise UniqueError("bodies[%d] has no %s, which unique_by names" % (index, ", ".join(missing)))
        if "tags" in unique_by and not isinstance(body["tags"], dict):
            raise UniqueError("bodies[%d].tags must be a dict of tag keys and values for unique_by" % index)
        key = repr([(field, sorted(tags_dict(body[field]).items()) if field == "tags" else body[field])
                    for field in unique_by])
        if key in seen:
            raise UniqueError("bodies[%d] and bodies[%d] have the same %s: a rerun could not tell their resources "
                              "apart; make each body's unique_by fields differ" % (seen[key], index,
                                                                                   _shown(body, unique_by)))
        seen[key] = index


def where_listed(path, list_path=None):
    """(kind key, list path, project_id, region_id) of a create call's C(path) (placeholders filled).

    C(list_path), when given, is where the resources are listed; otherwise the kind of C(path)
    (see _kinds) says. Raises UniqueError when neither is known.
    """
    kind = kind_of_collection(list_path or path) or kind_of_collection(path)
    scoped = _SCOPED_RE.match(list_path or path)
    project_id, region_id = (int(scoped.group(2)), int(scoped.group(3))) if scoped else (None, None)
    if list_path:
        key = kind.key if kind else (scoped.group(1) if scoped else list_path.rstrip("/")).rsplit("/", 1)[-1]
        return key, list_path, project_id, region_id
    if kind is None:
        raise UniqueError("unique_by does not know where the resources of %s are listed: give list_path "
                          "(the GET path that lists them, such as /cloud/v1/volumes/{project_id}/{region_id})" % path)
    if scoped is None:
        raise UniqueError("unique_by needs the project and region in the path (%s/{project_id}/{region_id}), "
                          "got %s" % (kind.create, path))
    return kind.key, kind.list_path(project_id, region_id), project_id, region_id


def list_filters(kind, bodies, unique_by):
    """The server-side query narrowing the list to what the bodies could match (one read for all bodies)."""
    query = {}
    if kind is None:
        return query
    if "name" in unique_by and kind.name_filter and all(isinstance(body["name"], str) for body in bodies):
        parameter, how = kind.name_filter
        names = sorted(set(body["name"] for body in bodies))
        if len(names) == 1:
            query[parameter] = names[0]
        elif how == "substring":
            prefix = _common_prefix(names)
            if prefix:
                query[parameter] = prefix
    if "tags" in unique_by and kind.tags:
        common = dict(tags_dict(bodies[0]["tags"]))
        for body in bodies[1:]:
            tags = tags_dict(body["tags"])
            common = dict((key, value) for key, value in common.items() if key in tags and tags[key] == value)
        if common:  # the pairs every body asks for: as the SDK sends it, a JSON object
            query["tag_key_value"] = json.dumps(common, sort_keys=True)
    return query


def _common_prefix(names):
    first, last = names[0], names[-1]  # of sorted names, the first and last differ soonest
    size = 0
    while size < min(len(first), len(last)) and first[size] == last[size]:
        size += 1
    return first[:size]


def find_existing(client, method, path, bodies, unique_by, list_path=None):
    """The Plan of a create call: which bodies to send, which resources they already made.

    C(client) is a GcoreClient (iter_pages, list_active_tasks, get_task); C(path) and C(list_path)
    have their placeholders filled. Raises UniqueError before any write when the call cannot go on;
    a GcoreError when a read fails (then nothing can be known, and nothing is sent).
    """
    check_unique_by(method, bodies, unique_by)
    key, where, project_id, region_id = where_listed(path, list_path)
    if not bodies:  # an empty bodies list sends nothing: nothing to look for
        return Plan(key, where, project_id, region_id, [], 0)
    kind = kind_of_collection(where)
    creating, warning = pending_creates(client, kind, project_id, region_id)  # before the list: see the docstring
    query = list_filters(kind, bodies, unique_by)
    resources, pages = [], 0
    for page in client.iter_pages(where, query or None):
        resources.extend(page)
        pages += 1
    listed = set(str(resource.get(field)).lower() for resource in resources
                 for field in ("creator_task_id", "task_id") if resource.get(field))
    creating = [task for task in creating if task["id"] not in listed]
    adopted, several, broken = [], [], []
    for index, body in enumerate(bodies):
        matched = [resource for resource in resources if _matches(resource, body, unique_by)]
        live = []
        for resource in matched:
            if _state(resource) != "deleting":
                doing, wait_task_id = _task_at_work(client, resource)
                if doing != "deleting":
                    live.append((resource, wait_task_id))
        tasks = [task for task in creating if _matches(_data(task), body, unique_by)]
        if len(live) + len(tasks) > 1:
            ids = [resource.get("id") for resource, _unused in live]
            several.append((index, body, ids, ids + ["the one task %s is still creating (%s)" % (
                task["id"], task.get("state")) for task in tasks]))
        elif live and _state(live[0][0]) == "error":
            broken.append((index, body, live[0][0]))
        if len(live) + len(tasks) != 1:
            adopted.append(None)
        else:
            adopted.append(Adopted(*live[0]) if live else Adopted(task=tasks[0]))
    if several:
        index, body, _ids, shown = several[0]
        more = "; %d more bodies match several" % (len(several) - 1) if len(several) > 1 else ""
        raise UniqueError("bodies[%d] (%s) matches %d resources at %s: %s. unique_by must find at most one: delete "
                          "the extra ones or make unique_by stricter; nothing was sent%s"
                          % (index, _shown(body, unique_by), len(shown), where, _listed(shown), more),
                          ids=[item for entry in several for item in entry[2]])
    if broken:
        index, body, resource = broken[0]
        more = "; %d more bodies match one in an error state" % (len(broken) - 1) if len(broken) > 1 else ""
        raise UniqueError("bodies[%d] (%s) matches %s at %s, which is in status %s: delete it or fix it before "
                          "running again; nothing was sent%s"
                          % (index, _shown(body, unique_by), resource.get("id"), where, status_of(resource), more),
                          ids=[entry[2].get("id") for entry in broken])
    return Plan(key, where, project_id, region_id, adopted, pages, [warning] if warning else [])


def pending_creates(client, kind, project_id, region_id):
    """(tasks, warning): the create tasks of C(kind) not ended in the project/region ([] for a kind
    or place not known), and None or why they could not be read.

    Their resources may not be listed yet; each task's data is the body it was sent. They are read
    from the active list, else from the task list filtered by state. A read that fails both ways
    (a list can fail where reads by ID work) leaves the resource list alone to find matches: a
    warning says what is not covered, and the call goes on.
    """
    if kind is None or project_id is None:
        return [], None
    try:
        tasks = client.list_active_tasks(project_id, region_id, task_type=kind.create_task)
    except READ_FAILURES:
        try:
            tasks = client.list_tasks(dict(project_id=project_id, region_id=region_id, task_type=kind.create_task,
                                           state=["NEW", "RUNNING"]))
        except READ_FAILURES as exc:
            return [], ("unique_by could not read the %s tasks not ended in project %s, region %s (%s): a create "
                        "still queued whose resource is not listed yet is not found"
                        % (kind.create_task, project_id, region_id, exc))
    return [task for task in tasks
            if isinstance(task, dict) and isinstance(task.get("id"), str) and task.get("task_type") == kind.create_task
            and task.get("state") not in _TASK_ENDED], None


def _task_at_work(client, resource):
    """("deleting", None) when a delete task works on the resource (its status may not say so yet);
    otherwise (None, the task to wait for before it is ready, or None).

    A creating status names its task without a read; another task the resource names is read once,
    and is waited for only while it has not ended.
    """
    task_id = str(resource.get("task_id") or "").lower()
    creator = str(resource.get("creator_task_id") or "").lower()
    if _state(resource) == "creating":
        return None, task_id or creator or None
    if not task_id or task_id == creator:
        return None, task_id or None
    try:
        task = client.get_task(task_id)
    except ApiError as exc:
        if exc.status == 404:  # a task the API no longer knows works on nothing now
            return None, None
        raise
    if str(task.get("task_type") or "").startswith("delete") and task.get("state") != "ERROR":
        return "deleting", None
    return None, (None if task.get("state") in _TASK_ENDED else task_id)


def body_diff(method, path, calls, mask):
    """The --diff of a write: per call to be sent, the body (through C(mask)) under a header naming the call."""
    return [dict(before={}, after=mask(call.body) if call.body is not None else {},
                 before_header="%s %s" % (method, path),
                 after_header="%s %s bodies[%d]" % (method, path, call.index)) for call in calls]
