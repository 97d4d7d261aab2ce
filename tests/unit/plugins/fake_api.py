# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one in-memory stand-in for the Gcore tasks API in unit tests (module and wait engine alike)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import uuid

from ansible_collections.gcore.tasks.plugins.module_utils._errors import ApiError
from ansible_collections.gcore.tasks.plugins.module_utils._tasks import parse_timestamp

EPOCH = datetime.datetime(2026, 5, 23, 5, 0, 0, tzinfo=datetime.timezone.utc)


class FakeApi(object):
    """The one stand-in for the tasks API in unit tests: in-memory tasks on a fake clock, answering
    get_task/list_page as GcoreClient does and recording every request like the sandbox does.

    add() makes a task that runs for a duration on the fake clock; put() stores a task object
    as it is. C(failures): errors to raise, one per request, before answering.
    """

    last_date = None  # as GcoreClient: the Date header of the latest answer

    def __init__(self, tasks=()):
        self.now = 0.0
        self.tasks = {}
        self.fixed = {}
        self.requests = []
        self.failures = []
        for task in tasks:
            self.put(task)

    def put(self, task):
        """Store a task object as the API will answer it (state and all)."""
        self.fixed[task["id"]] = task
        self.tasks[task["id"]] = None

    def clock(self):
        return self.now

    def sleep(self, seconds):
        assert seconds >= 0
        self.now += seconds

    def add(self, duration, outcome="FINISHED", task_type="create_volume", project_id=1, region_id=1, created=0.0):
        task_id = str(uuid.uuid4())
        self.tasks[task_id] = dict(duration=duration, outcome=outcome, task_type=task_type,
                                   project_id=project_id, region_id=region_id, created=created)
        return task_id

    def render(self, task_id):
        if task_id in self.fixed:
            return self.fixed[task_id]
        spec = self.tasks[task_id]
        done = spec["duration"] is not None and self.now >= spec["created"] + spec["duration"]
        state = spec["outcome"] if done else "RUNNING"
        resources = {"volumes": [], "instances": []}
        if state == "FINISHED":
            resources["volumes"] = ["vol-" + task_id[:8]]
        return {
            "id": task_id, "task_type": spec["task_type"], "state": state, "user_id": 1,
            "project_id": spec["project_id"], "region_id": spec["region_id"],
            "created_on": (EPOCH + datetime.timedelta(seconds=spec["created"])).strftime("%Y-%m-%dT%H:%M:%S.%f"),
            "created_resources": None if state == "ERROR" else resources,
            "error": "boom" if state == "ERROR" else None,
        }

    def _maybe_fail(self, method, path):
        self.requests.append((method, path))
        if self.failures:
            raise self.failures.pop(0)

    def get_task(self, task_id, deadline=None):
        self._maybe_fail("GET", "/cloud/v1/tasks/" + task_id)
        if task_id not in self.tasks:
            raise ApiError("Task not found", status=404, method="GET", path="/cloud/v1/tasks/" + task_id,
                           exception_class="TaskNotFound", request_id="r-404",
                           url="https://api.example/cloud/v1/tasks/" + task_id)
        return self.render(task_id)

    def matching(self, path, params):
        matching = [self.render(task_id) for task_id in self.tasks]
        if path.endswith("/active"):
            project_id, region_id = [int(part) for part in path.split("/")[-3:-1]]
            matching = [t for t in matching if t["project_id"] == project_id and t["region_id"] == region_id
                        and t["state"] in ("NEW", "RUNNING")]
        for key in ("project_id", "region_id"):
            if params.get(key):
                matching = [t for t in matching if t[key] in params[key]]
        if params.get("task_type"):
            matching = [t for t in matching if t["task_type"] == params["task_type"]]
        if params.get("from_timestamp"):
            low = parse_timestamp(params["from_timestamp"])
            matching = [t for t in matching if parse_timestamp(t["created_on"]) and parse_timestamp(t["created_on"]) >= low]
        if params.get("to_timestamp"):
            high = parse_timestamp(params["to_timestamp"])
            matching = [t for t in matching if parse_timestamp(t["created_on"]) and parse_timestamp(t["created_on"]) <= high]
        matching.sort(key=lambda t: str(t["created_on"]), reverse=params.get("order_by", "desc") == "desc")
        return matching

    def list_page(self, path, params=None, limit=1000, offset=0, deadline=None):
        self._maybe_fail("GET", path)
        matching = self.matching(path, dict(params or {}))
        return len(matching), matching[offset:offset + limit]
