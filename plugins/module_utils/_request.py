# -*- coding: utf-8 -*-
# This module_utils file is PRIVATE to the gcore.tasks collection.
# It may change at any time without notice; do not import it from other collections.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The behaviour of gcore_request: send Gcore calls with the collection's credentials, wait for their tasks."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re
import threading
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.gcore.tasks.plugins.module_utils._client import POOL_MAXSIZE, SAFE_METHODS
from ansible_collections.gcore.tasks.plugins.module_utils._errors import (
    GcoreError,
    MalformedAnswerError,
    MaybeProcessedError,
)
from ansible_collections.gcore.tasks.plugins.module_utils._module import (
    GcoreModule,
    non_finite,
    project_region_argument_spec,
)
from ansible_collections.gcore.tasks.plugins.module_utils._tasks import mask_sensitive, normalize_task_ids
from ansible_collections.gcore.tasks.plugins.module_utils._unique import UniqueError, body_diff, find_existing
from ansible_collections.gcore.tasks.plugins.module_utils._wait_result import (
    MASK_OPTION,
    WAIT_OPTIONS,
    check_wait_options,
    finish_wait,
    wait_for_tasks,
)

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
PLACEHOLDERS = ("project_id", "region_id")
_PLACEHOLDER_RE = re.compile(r"\{([^{}]*)\}")
# RFC 3986 path characters, plus the braces of placeholders.
_PATH_CHARS_RE = re.compile(r"\A[A-Za-z0-9._~!$&'()*+,;=:@/%{}-]*\Z")
_PERCENT_RE = re.compile(r"%(?![0-9A-Fa-f]{2})|%2[eEfF]|%5[cC]|%00")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
# The project and region of a Cloud path: the first two integer segments after /cloud/vN/.
_SCOPE_RE = re.compile(r"\A/cloud/v\d+/(?:[^/]+/)*?(\d+)/(\d+)(?:/|\Z)")
_LISTED_FIELDS = 5
_REASON_CHARS = 100


def path_problem(path):
    """Why C(path) cannot be sent as an API path, or None when it can."""
    if not path:
        return "it is empty"
    if "://" in path or path.startswith("//"):
        return "it must not hold a scheme or a host; set api_url for the endpoint"
    if not path.startswith("/"):
        return "it must start with /"
    if _CONTROL_RE.search(path) or any(char.isspace() for char in path):
        return "it must not hold whitespace or control characters"
    if "?" in path or "#" in path:
        return "it must not hold ? or #; give query parameters in query"
    if "//" in path:
        return "it must not hold //"
    if any(segment in ("..", ".") for segment in path.split("/")):
        return "it must not hold . or .. segments"
    if _PERCENT_RE.search(path):
        return "it must not hold encoded dots, slashes, backslashes or NUL, nor a stray %"
    if not _PATH_CHARS_RE.match(path):
        return "it holds characters outside an URL path (RFC 3986)"
    return None


def sensitive_values(value):
    """The texts mask_sensitive hides in C(value) (see there)."""
    found = []
    mask_sensitive(value, found)
    return found


def all_values(value):
    """Every scalar of a body, as AnsibleModule records the values of a no_log option."""
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return [found for item in value for found in all_values(item)]
    if value is not None and not isinstance(value, bool) and str(value) != "":
        return [str(value)]
    return []


def answer_task_ids(answer):
    """The task IDs a write call's answer names (C({"tasks": [...]})), validated; [] when none.

    A lone ID given as a string is taken as a list of one, so its task is still waited for;
    C(tasks) of any other shape raises ValueError (never silently dropped).
    """
    tasks = answer.get("tasks") if isinstance(answer, dict) else None
    if isinstance(tasks, str):
        tasks = [tasks]
    if tasks is None or tasks == []:
        return []
    if not isinstance(tasks, list):
        kind = "an object" if isinstance(tasks, dict) else "a boolean" if isinstance(tasks, bool) else "a number"
        raise ValueError("tasks is %s, not a list of task IDs" % kind)
    return normalize_task_ids(tasks)


def _short(reason):
    """A field's reason from invalid_fields as a short single line ('' when there is none)."""
    if isinstance(reason, list):
        reason = "; ".join(str(item) for item in reason)
    text = " ".join(str(reason or "").split())
    return text if len(text) <= _REASON_CHARS else text[:_REASON_CHARS] + "..."


def said_once(result, method, path):
    """Say once what the calls of one run share, so a batch's result does not repeat it per call or task.

    C(result)'s entries leave out method and path (given once at the top level, with the path's
    project_id and region_id when it has them) and a C(json) that only repeats the entry's task_ids
    (C({"tasks": [...]})). Returns what the calls say of every task they start, for the wait's compact
    tasks (see compact_task): its data (the body sent) and the path's project and region.
    """
    result.update(method=method, path=path)
    said = dict(data=Ellipsis)  # whatever the data: it is the body sent
    scope = _SCOPE_RE.match(path)
    if scope:
        said.update(project_id=int(scope.group(1)), region_id=int(scope.group(2)))
        result.update(project_id=said["project_id"], region_id=said["region_id"])
    for entry in result["results"]:
        entry.pop("method", None)
        entry.pop("path", None)
        answer = entry.get("json")
        if isinstance(answer, dict) and list(answer) == ["tasks"] and isinstance(answer["tasks"], list) \
                and [str(item).lower() for item in answer["tasks"]] == entry["task_ids"]:
            del entry["json"]
    return said


class _Call(object):
    """One call of the module: what is sent and what came back."""

    def __init__(self, index, body):
        self.index = index
        self.body = body
        self.sent = False
        self.submitted_at = None
        self.status = None
        self.answer = None
        self.task_ids = []
        self.error = None
        self.adopted = None  # the resource unique_by found for this body (_unique.Adopted): not sent
        self.gone = False    # a DELETE answered 404 under missing_ok

    def entry(self, method, path, check_mode=False, unique=False):
        """The call as returned in C(results); in check mode also the body it would send (secrets masked).

        Outside check mode the body is not echoed: the caller has it, and the tasks' C(data) holds it again.
        With unique_by, C(existing) is the resource found for the body (None when it is sent).
        """
        entry = dict(index=self.index, method=method, path=path, sent=self.sent, status=self.status, json=self.answer,
                     task_ids=self.task_ids)
        if check_mode and self.adopted is None:
            entry["body"] = mask_sensitive(self.body)
            entry["would_send"] = method not in SAFE_METHODS
        if unique:
            entry["existing"] = self.adopted.existing() if self.adopted is not None else None
        if self.gone:
            entry["gone"] = True
        if self.error is not None:
            entry["error"] = self.error.to_dict()
            entry["maybe_processed"] = self.error.maybe_processed
        return entry


class RequestModule(GcoreModule):
    """gcore_request: one call, or one call per body of C(bodies), then wait for the tasks they started."""

    argument_spec = dict(
        method=dict(type="str", default="GET", choices=list(METHODS)),
        path=dict(type="str", required=True),
        query=dict(type="dict"),
        # no_log hides the whole body in AnsibleModule's own early failures and its log;
        # protect_secrets() then narrows the masking to the values of sensitive keys.
        body=dict(type="dict", no_log=True),
        bodies=dict(type="list", elements="dict", no_log=True),
        wait=dict(type="bool", default=True),
        unique_by=dict(type="list", elements="str"),
        list_path=dict(type="str"),
        missing_ok=dict(type="bool", default=False),
        **dict(project_region_argument_spec(), **dict(WAIT_OPTIONS, **MASK_OPTION))
    )
    module_kwargs = dict(mutually_exclusive=[("body", "bodies")])

    def protect_secrets(self):
        """Mask only the values of sensitive keys of body/bodies in every output, not the whole bodies."""
        bodies = [self.params.get("body")] + list(self.params.get("bodies") or [])
        secrets = set(value for body in bodies for value in sensitive_values(body))
        plain = set(value for body in bodies for value in all_values(body)) - secrets
        plain.discard(self.params.get("api_key"))
        self.module.no_log_values.difference_update(plain)
        self.module.no_log_values.update(secrets)

    def run(self):
        method = self.params["method"]
        path = self.fill_path(self.params["path"])
        query = self.checked_query()
        if self.params["body"] is not None:
            bodies = [self.params["body"]]
        elif self.params["bodies"] is not None:
            bodies = self.params["bodies"]
        else:
            bodies = [None]
        if method == "GET" and any(body is not None for body in bodies):
            self.fail("a GET sends no body: remove body/bodies or choose another method")
        for index, body in enumerate(bodies):
            where = non_finite(body, "body" if self.params["bodies"] is None else "bodies[%d]" % index)
            if where:
                self.fail("%s is NaN or infinite, which JSON cannot carry" % where)
        check_wait_options(self)
        if self.params["missing_ok"] and method != "DELETE":
            self.fail("missing_ok applies to DELETE calls (a 404 then means already gone), not %s" % method)
        if self.params["list_path"] is not None and self.params["unique_by"] is None:
            self.fail("list_path goes with unique_by: it says where unique_by looks for existing resources")
        calls = [_Call(index, body) for index, body in enumerate(bodies)]
        write = method not in SAFE_METHODS
        plan = self.find_existing(method, path, calls) if self.params["unique_by"] is not None else None
        todo = [call for call in calls if call.adopted is None]
        if write and self.module.check_mode:
            return self.check_result(method, path, calls, plan, changed=bool(todo))
        self.send(method, path, query, todo)
        failed = [call for call in calls if call.error is not None]
        # Sent means changed, as for ansible.builtin.uri: a call the API answered (even with a refusal)
        # or may have processed; only a call that never reached it (throttled, redirected, cancelled) or
        # found its resource gone changes nothing.
        changed = write and any(call.sent and not call.gone and (
            call.status is not None or (call.error is not None and call.error.maybe_processed)) for call in calls)
        result = self.result(method, path, calls, changed, plan)
        outcome = None
        if self.params["wait"] and result["task_ids"]:
            outcome = wait_for_tasks(self, result["task_ids"], hints=self.hints(path, calls, plan))
            self.add_adopted(calls, plan, outcome.result)
        if not failed:
            if outcome is not None:
                return finish_wait(self, outcome, extra=result)
            if plan is not None:  # nothing waited for, but the found IDs are the call's created ones
                self.add_adopted(calls, plan, result, facts=True)
            return result
        # A refused call fails the module whatever the wait came to; the wait's IDs are returned with it.
        message = self.describe_failure(calls, failed[0])
        if outcome is not None:
            if outcome.problem:
                message += ". While waiting for the accepted calls' tasks: " + outcome.problem
            message += outcome.created_note()
            result = dict(outcome.result, **result)
        else:
            self.add_adopted(calls, plan, result)
        self.fail(message, error=failed[0].error, failure_extra=dict(index=failed[0].index), **result)

    def find_existing(self, method, path, calls):
        """unique_by: find what the bodies already made, before any write; mark those calls adopted."""
        list_path = self.params["list_path"]
        try:
            plan = find_existing(self.client, method, path, [call.body for call in calls], self.params["unique_by"],
                                 self.fill_path(list_path) if list_path is not None else None)
        except UniqueError as exc:
            self.fail(exc.message, matched_ids=exc.ids)
        except GcoreError as exc:
            self.fail("unique_by could not read what already exists, so nothing was sent: %s" % exc, error=exc)
        for warning in plan.warnings:
            self.module.warn(warning)
        for call, adopted in zip(calls, plan.adopted):
            call.adopted = adopted
        return plan

    def check_result(self, method, path, calls, plan, changed):
        """Check mode of a write: what would be sent; with unique_by also the facts, so a chain reads them
        (created_resources: the found IDs under the kind's key, none invented)."""
        result = self.result(method, path, calls, changed, plan)
        if plan is not None:
            self.add_adopted(calls, plan, result, facts=True)
        return result

    @staticmethod
    def add_adopted(calls, plan, result, facts=False):
        """Put the IDs unique_by found into C(result)'s created_resources, under the kind's key (present
        even when empty), in body order with the IDs the calls' tasks created; and their scopes.
        C(facts): also set the facts a wait sets (for a result that waited for nothing)."""
        if plan is None:
            return
        by_task = result.get("created_resources_by_task") or {}
        created = dict(result.get("created_resources") or {})
        ordered = []
        for call in calls:
            if call.adopted is not None and call.adopted.id is not None:
                ids = [call.adopted.id]
            else:  # what the call's tasks created, or the create task unique_by found still running
                task_ids = [call.adopted.wait_task_id] if call.adopted is not None else call.task_ids
                ids = [item for task_id in task_ids for item in (by_task.get(task_id) or {}).get(plan.key, [])]
            ordered.extend(item for item in ids if item not in ordered)
        ordered.extend(item for item in created.get(plan.key, []) if item not in ordered)
        created[plan.key] = ordered
        result["created_resources"] = created
        result["scopes"] = plan.scopes()
        if facts:
            result["ansible_facts"] = dict(gcore_created_resources=created, gcore_created_resources_by_task=by_task,
                                           gcore_task_ids=result["task_ids"])

    def fill_path(self, template):
        """The path with {project_id}/{region_id} filled in; refused before any request when unsafe."""
        problem = path_problem(template)
        if problem:
            self.fail("path %r is refused: %s" % (template, problem))
        names = _PLACEHOLDER_RE.findall(template)
        unknown = [name for name in names if name not in PLACEHOLDERS]
        if unknown:
            self.fail("path %r holds placeholder(s) %s; only {project_id} and {region_id} are filled in, give "
                      "other IDs in the path itself" % (template, ", ".join("{%s}" % name for name in unknown)))
        path = template
        for name in PLACEHOLDERS:
            if "{%s}" % name not in template:
                continue
            value = self.params[name]
            if value is None:
                self.fail("path %r needs %s: set the %s option or GCORE_CLOUD_%s_ID"
                          % (template, name, name, name.split("_", 1)[0].upper()))
            if value < 1:
                self.fail("%s must be a positive integer, got %s" % (name, value))
            path = path.replace("{%s}" % name, str(value))
        if "{" in path or "}" in path:
            self.fail("path %r has an unbalanced { or }" % template)
        return path

    def checked_query(self):
        """The query option, refused when a value is not a scalar or a list of scalars."""
        query = self.params["query"]
        if not query:
            return None
        for key, value in query.items():
            values = value if isinstance(value, list) else [value]
            if any(isinstance(item, (dict, list)) for item in values):
                self.fail("query.%s must be a string, a number, a boolean or a list of them" % key)
        return query

    def send(self, method, path, query, calls):
        """Send every call on the one session, at most POOL_MAXSIZE at a time, none after a failure is known."""
        stop = threading.Event()

        def send_one(call):
            if stop.is_set():
                return
            call.sent = True
            call.submitted_at = datetime.datetime.now(datetime.timezone.utc)
            try:
                call.status, call.answer = self.client.call(method, path, params=query, json_body=call.body)
                if method not in SAFE_METHODS:
                    call.task_ids = answer_task_ids(call.answer)
            except GcoreError as exc:
                if exc.status == 404 and self.params["missing_ok"]:  # already gone: ok, not changed
                    call.status, call.gone = 404, True
                    return
                call.error = exc
                call.status = exc.status
                call.sent = not exc.not_processed  # throttled, redirected or cancelled: the API did not act
                stop.set()
            except ValueError as exc:  # the answer named task IDs that are not UUIDs
                call.error = MaybeProcessedError.from_error(MalformedAnswerError(
                    "the answer's tasks are not task IDs: %s" % exc, status=call.status, method=method, path=path))
                stop.set()

        if len(calls) <= 1:
            for call in calls:
                send_one(call)
            return
        # Waves of 1, 2, 4, then POOL_MAXSIZE calls, each sent once the one before was accepted
        # whole: a body the API refuses early (often every body is wrong alike) stops the batch
        # with few calls sent, and a long batch still runs POOL_MAXSIZE at a time.
        with ThreadPoolExecutor(max_workers=min(POOL_MAXSIZE, len(calls))) as pool:
            start, size = 0, 1
            while start < len(calls) and not stop.is_set():
                list(pool.map(send_one, calls[start:start + size]))
                start += size
                size = min(POOL_MAXSIZE, size * 2)

    def result(self, method, path, calls, changed, plan=None):
        """results / json / task_ids in the order of the bodies (task_ids: also the tasks still creating
        what unique_by found), and the --diff of a write."""
        waited = plan.wait_task_ids() if plan is not None else []
        result = dict(
            changed=changed,
            results=[call.entry(method, path, self.module.check_mode, plan is not None) for call in calls],
            task_ids=list(dict.fromkeys([task_id for call in calls for task_id in call.task_ids] + waited)),
        )
        if self.module._diff and method not in SAFE_METHODS:
            result["diff"] = body_diff(method, path, [call for call in calls if call.adopted is None], mask_sensitive)
        if self.params["bodies"] is None:  # one call: its answer at the top level too
            result["json"] = calls[0].answer
            result["status"] = calls[0].status
        self.said_of_tasks = said_once(result, method, path)
        return result

    def describe_failure(self, calls, call):
        """The one-line message naming the first failed call and what became of the others."""
        error = call.error
        message = str(error)
        if self.params["bodies"] is not None:
            message = "bodies[%d] (call %d of %d): %s" % (call.index, call.index + 1, len(calls), message)
        invalid = error.invalid_fields
        if isinstance(invalid, dict) and invalid:
            names = sorted(str(name) for name in invalid)
            more = " and %d more" % (len(names) - _LISTED_FIELDS) if len(names) > _LISTED_FIELDS else ""
            shown = ["%s (%s)" % (name, _short(invalid.get(name))) if _short(invalid.get(name)) else name
                     for name in names[:_LISTED_FIELDS]]
            message += "; invalid fields: %s%s" % (", ".join(shown), more)
        if len(calls) > 1:
            accepted = sum(1 for other in calls if other.error is None and other.sent)
            others = sum(1 for other in calls if other.error is not None) - 1
            unsent = sum(1 for other in calls if not other.sent)
            message += ". %d call(s) accepted, %d not sent" % (accepted, unsent)
            if others:
                message += ", %d more failed" % others
        return message

    def hints(self, path, calls, plan=None):
        """For each task a call started: where (project and region of the path) and when it was submitted;
        for each task still creating a resource unique_by found: where."""
        scope = _SCOPE_RE.match(path)
        project_id, region_id = (int(scope.group(1)), int(scope.group(2))) if scope else (None, None)
        hints = dict((task_id, dict(project_id=plan.project_id, region_id=plan.region_id))
                     for task_id in (plan.wait_task_ids() if plan is not None else []))
        hints.update((task_id, dict(project_id=project_id, region_id=region_id, submitted_at=call.submitted_at))
                     for call in calls for task_id in call.task_ids)
        return hints
