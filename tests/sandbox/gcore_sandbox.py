"""Local sandbox imitating the Gcore Cloud tasks API (standard library only).

The answers follow tests/contract/gcore-cloud-tasks.openapi.yaml: the six
``/cloud/v1/tasks`` paths plus volume create/list/get/patch/delete as an example
of a write call that answers with task IDs.  A small control API under
``/_sandbox/`` (no auth) seeds tasks, injects faults, and reads counters.
See README.md beside this file.

Library use::

    with Sandbox(api_key="k", volume_duration=0.5) as sb:
        ids = sb.add_tasks([{"task_type": "create_vm", "duration": 1.0}])
        requests.get(sb.url + "/cloud/v1/tasks/" + ids[0],
                     headers={"Authorization": "APIKey k"})

Command line::

    python tests/sandbox/gcore_sandbox.py --port 0 --port-file /tmp/sb.url
"""

from __future__ import annotations

import argparse
import bisect
import copy
import datetime as _dt
import http.server
import itertools
import json
import os
import re
import signal
import socket
import struct
import sys
import threading
import time
import urllib.parse
import uuid
from collections import deque

__all__ = ["Sandbox", "SandboxError", "CREATED_RESOURCE_KEYS", "ROUTES", "main"]

# --------------------------------------------------------------------------- constants

#: Every key of the contract's ``CreatedResources`` schema (36), in schema order.
CREATED_RESOURCE_KEYS = (
    "ai_clusters", "api_keys", "caas_containers", "clusters", "ddos_profiles",
    "faas_functions", "faas_namespaces", "file_shares", "floatingips", "healthmonitors",
    "images", "inference_instances", "instances", "k8s_clusters", "k8s_pools",
    "l7polices", "l7rules", "laas_topic", "listeners", "loadbalancers", "members",
    "networks", "pools", "ports", "postgresql_clusters", "projects",
    "registry_registries", "registry_users", "routers", "secrets",
    "security_group_rules", "security_groups", "servergroups", "snapshots", "subnets",
    "volumes",
)
_INT_RESOURCE_KEYS = frozenset(("projects", "ddos_profiles"))

#: task_type -> CreatedResources key filled with one new id when a seeded task
#: gives no ``created_resources`` of its own.
TYPE_RESOURCE_KEY = {
    "create_vm": "instances", "create_bm": "instances", "create_volume": "volumes",
    "create_network": "networks", "create_subnet": "subnets",
    "create_loadbalancer": "loadbalancers", "create_k8s_cluster_v2": "k8s_clusters",
    "create_k8s_cluster_pool_v2": "k8s_pools", "create_fip": "floatingips",
    "create_router": "routers", "create_snapshot": "snapshots", "create_image": "images",
    "create_security_group": "security_groups",
    "create_security_group_rule": "security_group_rules",
    "create_lblistener": "listeners", "create_lbpool": "pools", "create_lbmember": "members",
    "create_lbpool_health_monitor": "healthmonitors", "create_l7policy": "l7polices",
    "create_l7rule": "l7rules", "create_servergroup": "servergroups",
    "create_secret": "secrets", "create_sfs": "file_shares",
    "create_faas_function": "faas_functions", "create_faas_namespace": "faas_namespaces",
    "create_caas_container": "caas_containers",
    "create_inference_instance": "inference_instances",
    "create_dbaas_postgres_cluster": "postgresql_clusters",
    "create_gpu_virtual_cluster": "clusters", "create_ai_cluster_gpu": "clusters",
    "create_ddos_profile": "ddos_profiles",
}

TASK_STATES = ("NEW", "RUNNING", "FINISHED", "ERROR")
FINAL_STATES = ("FINISHED", "ERROR")
VOLUME_SOURCES = ("new-volume", "image", "snapshot")
VOLUME_TYPES = ("cold", "ssd_hiiops", "ssd_local", "ssd_lowlatency", "standard", "ultra")
VOLUME_NAME_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z 0-9._\-]{1,61}[a-zA-Z0-9._]$")
TAG_KEY_RE = re.compile(r"^[^\s=]+$")
TAG_VALUE_RE = re.compile(r"^[^ \t\n\r\f\v]([^\t\n\r\f\v]*[^ \t\n\r\f\v])?$")
FAIL_PREFIX = "fail-"
FAIL_ERROR_TEXT = "Quota exceeded: volume count (requested 1, limit 0)"
FAULT_ACTIONS = (None, "reset", "truncate", "hang")
# Write-call switches by the body's name: refused (nothing created) or processed and answered
# with a gateway's 502 HTML page (the resource is created all the same).
REJECT_PREFIX = "reject-"
BAD_REQUEST_PREFIX = "badrequest-"
GATEWAY_PREFIX = "gateway-"
GATEWAY_PAGE = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"

#: The common write calls beyond volumes (paths as the official SDK sends them):
#: kind -> create collection, item collection (GET/DELETE .../{resource_id}), create and
#: delete task types, created_resources keys filled, task duration as a multiple of
#: volume_duration (the guide's typical durations, scaled), the item key ("name" for
#: k8s clusters, which the API addresses by name) and whether the body must name the resource.
WRITE_KINDS = {
    "instances": dict(create="/cloud/v2/instances", item="/cloud/v1/instances", create_type="create_vm",
                      delete_type="delete_vm", keys=("instances", "volumes", "ports"), factor=2.0, by="id",
                      named=False),
    "networks": dict(create="/cloud/v1/networks", item="/cloud/v1/networks", create_type="create_network",
                     delete_type="delete_network", keys=("networks",), factor=1.0, by="id"),
    "subnets": dict(create="/cloud/v1/subnets", item="/cloud/v1/subnets", create_type="create_subnet",
                    delete_type="delete_subnet", keys=("subnets",), factor=1.0, by="id"),
    "floatingips": dict(create="/cloud/v1/floatingips", item="/cloud/v1/floatingips", create_type="create_fip",
                        delete_type="delete_fip", keys=("floatingips",), factor=1.0, by="id", named=False),
    "loadbalancers": dict(create="/cloud/v1/loadbalancers", item="/cloud/v1/loadbalancers",
                          create_type="create_loadbalancer", delete_type="delete_loadbalancer",
                          keys=("loadbalancers", "listeners", "pools"), factor=3.0, by="id"),
    "k8s_clusters": dict(create="/cloud/v2/k8s/clusters", item="/cloud/v2/k8s/clusters",
                         create_type="create_k8s_cluster_v2", delete_type="delete_k8s_cluster_v2",
                         keys=("k8s_clusters", "k8s_pools"), factor=4.0, by="name"),
}

DEFAULT_USER_ID = 1001
DEFAULT_CLIENT_ID = 10001
REGION_NAME = "Sandbox-1"
REQUEST_LOG_SIZE = 1000
MAX_BODY = 8 * 1024 * 1024

#: (method, template) of every API route, in match order (literal paths such as
#: ".../tasks/acknowledge" come before "{task_id}" templates).  Counters use
#: "METHOD template"; requests matching none count as "UNMATCHED".
ROUTES = (
    ("GET", "/cloud/v1/tasks"),
    ("POST", "/cloud/v1/tasks/acknowledge_all"),
    ("POST", "/cloud/v1/tasks/acknowledge"),
    ("GET", "/cloud/v1/tasks/{project_id}/{region_id}/active"),
    ("POST", "/cloud/v1/tasks/{task_id}/acknowledge"),
    ("GET", "/cloud/v1/tasks/{task_id}"),
    ("POST", "/cloud/v1/volumes/{project_id}/{region_id}"),
    ("GET", "/cloud/v1/volumes/{project_id}/{region_id}"),
    ("GET", "/cloud/v1/volumes/{project_id}/{region_id}/{volume_id}"),
    ("PATCH", "/cloud/v1/volumes/{project_id}/{region_id}/{volume_id}"),
    ("DELETE", "/cloud/v1/volumes/{project_id}/{region_id}/{volume_id}"),
) + tuple(route for kind in WRITE_KINDS.values() for route in (
    ("POST", kind["create"] + "/{project_id}/{region_id}"),
    ("GET", kind["item"] + "/{project_id}/{region_id}/{resource_id}"),
    ("DELETE", kind["item"] + "/{project_id}/{region_id}/{resource_id}"),
))


def _compile(template):
    parts = []
    for seg in template.strip("/").split("/"):
        if seg.startswith("{"):
            parts.append("(?P<%s>[^/]+)" % seg[1:-1])
        else:
            parts.append(re.escape(seg))
    return re.compile("^/" + "/".join(parts) + "$")


_ROUTE_TABLE = [(m, t, _compile(t)) for m, t in ROUTES]
_CONTROL_TASK_VANISH = re.compile(r"^/_sandbox/tasks/(?P<task_id>[^/]+)/vanish$")

_EPOCH = _dt.datetime(1970, 1, 1)
_US = _dt.timedelta(microseconds=1)


# --------------------------------------------------------------------------- helpers

class SandboxError(Exception):
    """An API error: HTTP status, exception_class, message, optional extras."""

    def __init__(self, status, exception_class, message, **extra):
        super().__init__(message)
        self.status = status
        self.exception_class = exception_class
        self.message = message
        self.extra = extra


def _validation(invalid_fields, message="Validation error"):
    return SandboxError(422, "ValidationError", message, invalid_fields=invalid_fields)


def fmt_ts(us):
    """Integer epoch microseconds -> zone-less UTC ISO 8601 with microseconds."""
    return (_EPOCH + _dt.timedelta(microseconds=us)).isoformat(timespec="microseconds")


def fmt_ts_volume(us):
    """Volume timestamps look like the contract's example: 2019-05-29T05:32:41+0000."""
    return (_EPOCH + _dt.timedelta(microseconds=us)).strftime("%Y-%m-%dT%H:%M:%S+0000")


def parse_ts(value):
    """ISO 8601 (with 'Z', an offset, or no zone = UTC) -> epoch microseconds."""
    text = value.strip()
    if not text:
        raise ValueError("empty")
    if text[-1] in "zZ":
        text = text[:-1] + "+00:00"
    parsed = _dt.datetime.fromisoformat(text)
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(_dt.timezone.utc).replace(tzinfo=None)
    return (parsed - _EPOCH) // _US


def _secs_to_us(value, name, allow_none=False):
    if value is None:
        if allow_none:
            return None
        raise ValueError("%s must be a number" % name)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("%s must be a number%s" % (name, " or null" if allow_none else ""))
    return int(round(float(value) * 1_000_000))


def empty_created_resources():
    return {key: [] for key in CREATED_RESOURCE_KEYS}


def _dumps(obj):
    return json.dumps(obj, separators=(",", ":"))


_EMPTY_CR_JSON = _dumps(empty_created_resources())
_EMPTY_CR_PARTS = {k: '"%s":[]' % k for k in CREATED_RESOURCE_KEYS}


class RawJSON(str):
    """A response body that is already JSON text."""


class _Query:
    """Parsed query string with contract-style typed getters raising 422."""

    def __init__(self, qs):
        self.raw = urllib.parse.parse_qs(qs, keep_blank_values=True)
        self.errors = {}

    def _values(self, name):
        return self.raw.get(name, [])

    def int_list(self, name):
        out = []
        for v in self._values(name):
            try:
                out.append(int(v.strip()))
            except ValueError:
                self.errors[name] = "Input should be a valid integer, got %r" % v
        return out

    def int_one(self, name, default=None, minimum=None, maximum=None, exclusive_min=None):
        values = self._values(name)
        if not values:
            return default
        v = values[-1]
        try:
            n = int(v.strip())
        except ValueError:
            self.errors[name] = "Input should be a valid integer, got %r" % v
            return default
        if exclusive_min is not None and n <= exclusive_min:
            self.errors[name] = "Input should be greater than %d" % exclusive_min
        elif minimum is not None and n < minimum:
            self.errors[name] = "Input should be greater than or equal to %d" % minimum
        elif maximum is not None and n > maximum:
            self.errors[name] = "Input should be less than or equal to %d" % maximum
        return n

    def enum_list(self, name, allowed):
        out = []
        for v in self._values(name):
            if v in allowed:
                out.append(v)
            else:
                self.errors[name] = "Input should be %s, got %r" % (
                    " or ".join(repr(a) for a in allowed), v)
        return out

    def enum_one(self, name, allowed):
        values = self._values(name)
        if not values:
            return None
        v = values[-1]
        if v not in allowed:
            self.errors[name] = "Input should be %s, got %r" % (
                " or ".join(repr(a) for a in allowed), v)
            return None
        return v

    def str_one(self, name):
        values = self._values(name)
        return values[-1] if values else None

    def str_list(self, name):
        return list(self._values(name))

    def bool_one(self, name):
        values = self._values(name)
        if not values:
            return None
        v = values[-1].strip().lower()
        if v in ("true", "1", "yes", "on"):
            return True
        if v in ("false", "0", "no", "off"):
            return False
        self.errors[name] = "Input should be a valid boolean, got %r" % values[-1]
        return None

    def ts_one(self, name):
        values = self._values(name)
        if not values:
            return None
        try:
            return parse_ts(values[-1])
        except ValueError:
            self.errors[name] = "Input should be a valid ISO 8601 datetime, got %r" % values[-1]
            return None

    def check(self):
        if self.errors:
            raise _validation(dict(self.errors), "Invalid query parameters")


# --------------------------------------------------------------------------- model

class _Task:
    __slots__ = ("id", "seq", "task_type", "project_id", "region_id", "client_id",
                 "user_id", "request_id", "data", "created_us", "queued_us", "duration_us",
                 "outcome", "error", "resources", "ack_us", "ack_by", "created_on", "fields", "_cache")

    def state_at(self, now_us):
        """(state, updated_us, finished_us) at ``now_us``, computed lazily."""
        elapsed = now_us - self.created_us
        if self.queued_us is None or elapsed < self.queued_us:
            return "NEW", self.created_us, None
        start = self.created_us + self.queued_us
        if self.duration_us is None or elapsed < max(self.duration_us, self.queued_us):
            return "RUNNING", start, None
        end = self.created_us + max(self.duration_us, self.queued_us)
        return self.outcome, end, end

    def render_json(self, now_us):
        """The task as compact JSON text; cached per (state, acknowledgement).

        Rendering depends only on the state and the acknowledgement, so the
        cache stays valid until one of them changes: polling thousands of
        tasks costs one string join, not thousands of json.dumps calls.
        """
        if self.fields:  # odd values on purpose: rendered whole, never cached
            doc = self.render(now_us)
            doc.update(self.fields)
            return _dumps(doc)
        state = self.state_at(now_us)[0]
        key = (state, self.ack_us)
        cached = self._cache
        if cached is not None and cached[0] == key:
            return cached[1]
        doc = self.render(now_us, with_resources=False)
        if state == "ERROR":
            res_text = "null"
        elif state == "FINISHED" and self.resources:
            res = self.resources
            res_text = "{%s}" % ",".join(
                '"%s":%s' % (k, _dumps(res[k])) if k in res else _EMPTY_CR_PARTS[k]
                for k in CREATED_RESOURCE_KEYS)
        else:
            res_text = _EMPTY_CR_JSON
        text = _dumps(doc)
        text = text[:-1] + ',"created_resources":' + res_text + "}"
        self._cache = (key, text)
        return text

    def render(self, now_us, with_resources=True):
        """The task as a dict (TaskSerializer); see render_json for the HTTP form."""
        state, updated_us, finished_us = self.state_at(now_us)
        if state == "ERROR" or not with_resources:
            created_resources = None
        else:
            created_resources = empty_created_resources()
            if state == "FINISHED":
                for key, ids in self.resources.items():
                    created_resources[key] = list(ids)
        doc = {
            "id": self.id,
            "task_type": self.task_type,
            "state": state,
            "detailed_state": None,
            "user_id": self.user_id,
            "user_client_id": self.client_id,
            "client_id": self.client_id,
            "project_id": self.project_id,
            "region_id": self.region_id,
            "request_id": self.request_id,
            "job_id": None,
            "lifecycle_policy_id": None,
            "schedule_id": None,
            "data": self.data,
            "created_on": self.created_on,
            "updated_on": fmt_ts(updated_us),
            "finished_on": fmt_ts(finished_us) if finished_us is not None else None,
            "error": self.error if state == "ERROR" else None,
            "created_resources": created_resources,
            "acknowledged_at": fmt_ts(self.ack_us) if self.ack_us is not None else None,
            "acknowledged_by": self.ack_by,
        }
        if not with_resources:
            del doc["created_resources"]
        return doc


class _Volume:
    __slots__ = ("id", "name", "size", "project_id", "region_id", "type_name", "bootable",
                 "tags", "created_us", "updated_us", "create_task", "delete_task", "source")


class _Fault:
    __slots__ = ("route", "status", "body", "content_type", "headers", "times",
                 "latency", "action")

    def matches(self, method, route_key, path):
        if self.route == "*":
            return True
        if " " in self.route:
            return self.route == route_key
        # template (or literal path) without a method: any method
        return route_key.split(" ", 1)[-1] == self.route or path == self.route

    def describe(self):
        return {"route": self.route, "status": self.status, "body": self.body,
                "content_type": self.content_type, "headers": dict(self.headers),
                "times": self.times, "latency": self.latency, "action": self.action}


# --------------------------------------------------------------------------- sandbox

class Sandbox:
    """In-process Gcore Cloud tasks API imitation; see module docstring."""

    def __init__(self, api_key="sandbox-key", host="127.0.0.1", port=0, volume_duration=2.0,
                 volume_queue=0.3, clock=time.time, *, latency=0.0, user_id=DEFAULT_USER_ID,
                 client_id=DEFAULT_CLIENT_ID, request_log_size=REQUEST_LOG_SIZE):
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the sandbox binds to loopback only, not %r" % host)
        self.api_key = api_key
        self.host = host
        self.port = port
        self.clock = clock
        self.user_id = user_id
        self.client_id = client_id
        self._defaults = {"latency": float(latency), "volume_duration": float(volume_duration),
                          "volume_queue": float(volume_queue)}
        self._lock = threading.Lock()
        self._seq = itertools.count()
        self._request_log_size = request_log_size
        self._server = None
        self._thread = None
        self._stopping = threading.Event()
        self._conns = set()
        self._reset_state()

    # ------------------------------------------------------------ lifecycle
    def _reset_state(self):
        self._tasks = {}          # id -> _Task
        self._order = []          # sorted [(created_us, seq, id)]
        self._volumes = {}        # id -> _Volume
        self._faults = []
        self._counters = {}
        self._total = 0
        self._writes = 0
        self._resources = {}      # (kind, id or name) -> _Resource
        self._requests = deque(maxlen=self._request_log_size)
        self.config = dict(self._defaults)

    def start(self):
        if self._server is not None:
            return self
        self._stopping.clear()
        self._server = _Server((self.host, self.port), _Handler, self)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.1},
                                        name="gcore-sandbox", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.server_close()
        with self._lock:
            conns = list(self._conns)
            self._conns.clear()
        for conn in conns:  # drop idle keep-alive connections too
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def url(self):
        host = "[%s]" % self.host if ":" in self.host else self.host
        return "http://%s:%d" % (host, self.port)

    def now_us(self):
        return int(round(self.clock() * 1_000_000))

    # ------------------------------------------------------------ task store
    def _insert(self, task):
        self._tasks[task.id] = task
        bisect.insort(self._order, (task.created_us, task.seq, task.id))

    def _new_task(self, task_type, project_id, region_id, data, queued_us, duration_us,
                  outcome="FINISHED", error=None, resources=None, created_us=None, fields=None):
        task = _Task()
        task.id = str(uuid.uuid4())
        task.seq = next(self._seq)
        task.task_type = task_type
        task.project_id = project_id
        task.region_id = region_id
        task.client_id = self.client_id
        task.user_id = self.user_id
        task.request_id = str(uuid.uuid4())
        task.data = data
        task.created_us = self.now_us() if created_us is None else created_us
        task.created_on = fmt_ts(task.created_us)
        task.queued_us = queued_us
        task.duration_us = duration_us
        task.outcome = outcome
        task.error = error if outcome == "ERROR" else None
        if outcome == "ERROR" and not task.error:
            task.error = "Task %s failed" % task_type
        task.resources = resources or {}
        task.ack_us = None
        task.ack_by = None
        task.fields = fields
        task._cache = None
        self._insert(task)
        return task

    def _spec_to_task(self, spec, now_us):
        if not isinstance(spec, dict):
            raise ValueError("each task spec must be an object")
        known = {"task_type", "duration", "queued", "outcome", "project_id", "region_id",
                 "created_resources", "error", "data", "created_offset", "fields"}
        unknown = set(spec) - known
        if unknown:
            raise ValueError("unknown task spec fields: %s" % ", ".join(sorted(unknown)))
        task_type = spec.get("task_type", "create_volume")
        if not isinstance(task_type, str) or not task_type:
            raise ValueError("task_type must be a non-empty string")
        duration_us = _secs_to_us(spec.get("duration", 1.0), "duration", allow_none=True)
        queued_us = _secs_to_us(spec.get("queued", 0.0), "queued", allow_none=True)
        outcome = spec.get("outcome", "FINISHED")
        if outcome not in FINAL_STATES:
            raise ValueError("outcome must be FINISHED or ERROR")
        ids = {}
        for name in ("project_id", "region_id"):
            value = spec.get(name, 1)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise ValueError("%s must be an integer or null" % name)
            ids[name] = value
        error = spec.get("error")
        if error is not None and not isinstance(error, str):
            raise ValueError("error must be a string")
        if "created_resources" in spec and spec["created_resources"] is not None:
            res = spec["created_resources"]
            if not isinstance(res, dict):
                raise ValueError("created_resources must be an object")
            for key, val in res.items():
                if key not in CREATED_RESOURCE_KEYS:
                    raise ValueError("unknown created_resources key %r" % key)
                if not isinstance(val, list):
                    raise ValueError("created_resources.%s must be a list" % key)
                want = int if key in _INT_RESOURCE_KEYS else str
                if any(isinstance(v, bool) or not isinstance(v, want) for v in val):
                    raise ValueError("created_resources.%s must hold %ss" % (key, want.__name__))
            resources = {k: list(v) for k, v in res.items()}
        else:
            resources = self._auto_resources(task_type)
        offset_us = _secs_to_us(spec.get("created_offset", 0.0), "created_offset")
        fields = spec.get("fields")
        if fields is not None and not isinstance(fields, dict):
            raise ValueError("fields must be an object of task fields to render as given")
        if fields and "id" in fields:
            raise ValueError("fields cannot replace id")
        return dict(fields=copy.deepcopy(fields) or None, task_type=task_type, project_id=ids["project_id"],
                    region_id=ids["region_id"], data=copy.deepcopy(spec.get("data")),
                    queued_us=queued_us, duration_us=duration_us, outcome=outcome,
                    error=error, resources=resources, created_us=now_us + offset_us)

    @staticmethod
    def _auto_resources(task_type):
        key = TYPE_RESOURCE_KEY.get(task_type)
        if key is None:
            return {}
        if key in _INT_RESOURCE_KEYS:
            return {key: [uuid.uuid4().int % 1_000_000]}
        return {key: [str(uuid.uuid4())]}

    # ------------------------------------------------------------ python control API
    def add_tasks(self, specs):
        """Seed tasks (see README for the spec fields); returns their ids."""
        if isinstance(specs, dict):
            specs = [specs]
        now_us = self.now_us()
        prepared = [self._spec_to_task(spec, now_us) for spec in specs]
        with self._lock:
            return [self._new_task(**kw).id for kw in prepared]

    def add_task(self, **spec):
        return self.add_tasks([spec])[0]

    def task(self, task_id):
        """The task as the API would render it now, or None."""
        with self._lock:
            task = self._tasks.get(task_id)
            return json.loads(task.render_json(self.now_us())) if task else None

    def task_ids(self):
        """The IDs of every task held, oldest first."""
        with self._lock:
            return [task_id for _unused, _unused, task_id in self._order]

    def vanish(self, task_id):
        """Make a task disappear (404 afterwards).  Returns False if unknown."""
        with self._lock:
            task = self._tasks.pop(task_id, None)
            if task is None:
                return False
            key = (task.created_us, task.seq, task.id)
            i = bisect.bisect_left(self._order, key)
            if i < len(self._order) and self._order[i] == key:
                del self._order[i]
            return True

    def add_fault(self, route="*", status=503, body=None, content_type=None, headers=None,
                  times=1, latency=0.0, action=None):
        """Queue a fault for the next ``times`` requests matching ``route``.

        ``route``: "*" (every /cloud/ request), "METHOD template" as in counters
        (e.g. "GET /cloud/v1/tasks/{task_id}"), "UNMATCHED", or a template/path
        without method (any method).  ``times=None`` means until cleared.
        """
        fault = _Fault()
        if not isinstance(route, str) or not route:
            raise ValueError("route must be a non-empty string")
        fault.route = route
        if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
            raise ValueError("status must be an HTTP status code")
        fault.status = status
        if body is not None and not isinstance(body, (str, dict, list)):
            raise ValueError("body must be a string, an object, a list or null")
        fault.body = body
        if content_type is not None and not isinstance(content_type, str):
            raise ValueError("content_type must be a string")
        fault.content_type = content_type
        headers = headers or {}
        if not isinstance(headers, dict) or not all(
                isinstance(k, str) and isinstance(v, (str, int, float)) for k, v in headers.items()):
            raise ValueError("headers must map names to strings")
        fault.headers = {k: str(v) for k, v in headers.items()}
        if times is not None and (isinstance(times, bool) or not isinstance(times, int) or times < 1):
            raise ValueError("times must be a positive integer or null")
        fault.times = times
        if isinstance(latency, bool) or not isinstance(latency, (int, float)) or latency < 0:
            raise ValueError("latency must be a non-negative number")
        fault.latency = float(latency)
        if action not in FAULT_ACTIONS:
            raise ValueError("action must be null, 'reset', 'truncate' or 'hang'")
        fault.action = action
        with self._lock:
            self._faults.append(fault)
        return fault.describe()

    def clear_faults(self):
        with self._lock:
            self._faults.clear()

    def faults(self):
        with self._lock:
            return [f.describe() for f in self._faults]

    def configure(self, latency=None, volume_duration=None, volume_queue=None):
        """Change global latency / volume task timing; returns the config."""
        new = {}
        for name, value in (("latency", latency), ("volume_duration", volume_duration),
                            ("volume_queue", volume_queue)):
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ValueError("%s must be a non-negative number" % name)
            new[name] = float(value)
        with self._lock:
            self.config.update(new)
            return dict(self.config)

    def counters(self):
        with self._lock:
            return {"total": self._total, "writes": self._writes, "routes": dict(self._counters)}

    def requests(self, limit=None):
        """The /cloud/ request log, oldest first.

        Entries: time, client ("ip:port"; one port per keep-alive connection),
        method, path, query (raw string), headers (all, Authorization included),
        body (text), route (counter key) and status (0 for a "reset" fault).
        """
        with self._lock:
            items = list(self._requests)
        if limit is not None:
            items = items[-limit:] if limit > 0 else []
        return copy.deepcopy(items)

    def reset_counters(self):
        with self._lock:
            self._counters = {}
            self._total = 0
            self._writes = 0
            self._requests.clear()

    def reset(self):
        """Forget tasks, volumes, faults, counters, request log; restore config."""
        with self._lock:
            self._reset_state()

    # ------------------------------------------------------------ request accounting
    def _record(self, method, route_key, path, query, headers, body, client=None):
        entry = {"time": fmt_ts(self.now_us()), "client": client, "method": method, "path": path,
                 "query": query, "headers": headers,
                 "body": body[:65536].decode("utf-8", "replace") if body else "",
                 "route": route_key, "status": None}
        with self._lock:
            self._total += 1
            if method not in ("GET", "HEAD", "OPTIONS") and not path.startswith("/cloud/v1/tasks"):
                self._writes += 1
            self._counters[route_key] = self._counters.get(route_key, 0) + 1
            self._requests.append(entry)
            fault = None
            for f in self._faults:
                if f.matches(method, route_key, path):
                    fault = f
                    if f.times is not None:
                        f.times -= 1
                        if f.times <= 0:
                            self._faults.remove(f)
                    break
            latency = self.config["latency"]
        return entry, fault, latency

    def _check_auth(self, header):
        if header is None:
            raise SandboxError(401, "NotAuthenticated",
                               "Authentication credentials were not provided.")
        scheme, sep, token = header.partition(" ")
        if not sep or scheme.lower() != "apikey":
            raise SandboxError(401, "NotAuthenticated",
                               "Invalid authorization header. Expected 'APIKey <token>'.")
        if token != self.api_key:
            raise SandboxError(401, "NotAuthenticated", "Invalid API key.")

    # ------------------------------------------------------------ API handlers
    def _get_task(self, task_id):
        task = self._tasks.get(task_id)
        if task is None:
            raise SandboxError(404, "TaskNotFound", "Task %s not found" % task_id)
        return task

    def api_get_task(self, params, query, body):
        with self._lock:
            return 200, RawJSON(self._get_task(params["task_id"]).render_json(self.now_us()))

    def _page(self, q):
        limit = q.int_one("limit", 10, exclusive_min=0, maximum=1000)
        offset = q.int_one("offset", 0, minimum=0)
        return limit, offset

    def api_list_tasks(self, params, query, body):
        q = _Query(query)
        project_ids = set(q.int_list("project_id"))
        region_ids = set(q.int_list("region_id"))
        states = set(q.enum_list("state", TASK_STATES))
        task_type = q.str_one("task_type")
        is_ack = q.bool_one("is_acknowledged")
        from_us = q.ts_one("from_timestamp")
        to_us = q.ts_one("to_timestamp")
        limit, offset = self._page(q)
        order = q.enum_one("order_by", ("asc", "desc"))
        sorting = q.enum_one("sorting", ("asc", "desc"))
        q.check()
        order = order or sorting or "desc"

        def keep(t, now_us):
            if (from_us is not None or to_us is not None) and t.fields and "created_on" in t.fields:
                return False  # an odd created_on matches no timestamp filter, as a null one would not
            if project_ids and t.project_id not in project_ids:
                return False
            if region_ids and t.region_id not in region_ids:
                return False
            if task_type is not None and t.task_type != task_type:
                return False
            if is_ack is not None and (t.ack_us is not None) != is_ack:
                return False
            if states and t.state_at(now_us)[0] not in states:
                return False
            return True

        with self._lock:
            now_us = self.now_us()
            lo, hi = 0, len(self._order)
            if from_us is not None:
                lo = bisect.bisect_left(self._order, (from_us,))
            if to_us is not None:
                hi = bisect.bisect_left(self._order, (to_us + 1,))
            window = self._order[lo:hi]
            if order == "desc":
                window.reverse()
            tasks = self._tasks
            matched = [tasks[i] for _unused, _unused, i in window if keep(tasks[i], now_us)]
            return 200, _collection(len(matched), matched[offset:offset + limit], now_us)

    def api_active(self, params, query, body):
        q = _Query(query)
        project_id = self._path_int(params, "project_id")
        region_id = self._path_int(params, "region_id")
        types = set(q.str_list("task_type"))
        limit, offset = self._page(q)
        q.check()
        with self._lock:
            now_us = self.now_us()
            matched = []
            for _unused, _unused, tid in reversed(self._order):
                t = self._tasks[tid]
                if t.project_id != project_id or t.region_id != region_id:
                    continue
                if types and t.task_type not in types:
                    continue
                if t.state_at(now_us)[0] in ("NEW", "RUNNING"):
                    matched.append(t)
            return 200, _collection(len(matched), matched[offset:offset + limit], now_us)

    def _ack(self, task, now_us):
        if task.ack_us is None:
            task.ack_us = now_us
            task.ack_by = self.user_id

    def api_ack_one(self, params, query, body):
        with self._lock:
            task = self._get_task(params["task_id"])
            now_us = self.now_us()
            self._ack(task, now_us)
            return 200, RawJSON(task.render_json(now_us))

    def _ack_matching(self, project_id, region_id, task_ids=None):
        now_us = self.now_us()
        if task_ids is not None:
            candidates = [self._tasks[i] for i in task_ids if i in self._tasks]
        else:
            candidates = list(self._tasks.values())
        for t in candidates:
            if project_id is not None and t.project_id != project_id:
                continue
            if region_id is not None and t.region_id != region_id:
                continue
            self._ack(t, now_us)

    def api_ack_all(self, params, query, body):
        q = _Query(query)
        project_id = q.int_one("project_id")
        region_id = q.int_one("region_id")
        q.check()
        with self._lock:
            self._ack_matching(project_id, region_id)
        return 204, None

    def api_ack_deprecated(self, params, query, body):
        q = _Query(query)
        project_id = q.int_one("project_id")
        region_id = q.int_one("region_id")
        q.check()
        payload = _json_body(body, allow_empty=True)
        task_ids = None
        if payload is not None:
            if not isinstance(payload, dict):
                raise _validation({"body": "Input should be a valid object"})
            task_ids = payload.get("task_ids")
            if task_ids is not None and (not isinstance(task_ids, list)
                                         or not all(isinstance(i, str) for i in task_ids)):
                raise _validation({"task_ids": "Input should be a list of strings or null"})
        with self._lock:
            self._ack_matching(project_id, region_id, task_ids)
        return 204, None

    @staticmethod
    def _path_int(params, name):
        try:
            return int(params[name])
        except ValueError:
            raise _validation({name: "Input should be a valid integer, got %r" % params[name]},
                              "Invalid path parameters") from None

    # volumes -------------------------------------------------------------
    @staticmethod
    def _validate_volume_body(payload):
        if not isinstance(payload, dict):
            raise _validation({"body": "Input should be a valid object"})
        errors = {}
        source = payload.get("source")
        if source not in VOLUME_SOURCES:
            errors["source"] = "Input should be 'new-volume', 'image' or 'snapshot'"
            raise _validation(errors)
        required = {"new-volume": ("name", "size"), "image": ("name", "image_id", "size"),
                    "snapshot": ("name", "snapshot_id")}[source]
        for field in required:
            if field not in payload:
                errors[field] = "Field required"
        name = payload.get("name")
        if "name" in payload and (not isinstance(name, str) or not VOLUME_NAME_RE.match(name)):
            errors["name"] = ("String should match pattern "
                              "'^[a-zA-Z0-9][a-zA-Z 0-9._\\-]{1,61}[a-zA-Z0-9._]$'")
        size = payload.get("size")
        if "size" in payload and (isinstance(size, bool) or not isinstance(size, int) or size < 1):
            errors["size"] = "Input should be an integer greater than or equal to 1"
        for field in ("image_id", "snapshot_id", "instance_id_to_attach_to", "attachment_tag"):
            if field in payload and not isinstance(payload[field], str):
                errors[field] = "Input should be a valid string"
        if "type_name" in payload and payload["type_name"] not in VOLUME_TYPES:
            errors["type_name"] = "Input should be one of %s" % ", ".join(VOLUME_TYPES)
        lp = payload.get("lifecycle_policy_ids")
        if "lifecycle_policy_ids" in payload and (not isinstance(lp, list) or not all(
                isinstance(i, int) and not isinstance(i, bool) for i in lp)):
            errors["lifecycle_policy_ids"] = "Input should be a list of integers"
        tags = payload.get("tags")
        if "tags" in payload and not _valid_tags(tags, allow_null_values=False):
            errors["tags"] = "Input should be an object of tag key -> tag value"
        if errors:
            raise _validation(errors)

    def _volume_status(self, vol, now_us):
        """Status, or None when the volume does not exist (failed or deleted)."""
        state = vol.create_task.state_at(now_us)[0]
        if state == "ERROR":
            return None
        if state != "FINISHED":
            return "creating"
        if vol.delete_task is not None:
            dstate = vol.delete_task.state_at(now_us)[0]
            if dstate == "FINISHED":
                return None
            if dstate == "ERROR":
                return "error_deleting"
            return "deleting"
        return "available"

    def _render_volume(self, vol, status, now_us):
        active_task = None
        if status == "creating":
            active_task = vol.create_task.id
        elif status == "deleting":
            active_task = vol.delete_task.id
        return {
            "id": vol.id, "name": vol.name, "size": vol.size, "status": status,
            "project_id": vol.project_id, "region_id": vol.region_id, "region": REGION_NAME,
            "volume_type": vol.type_name, "bootable": vol.bootable, "is_root_volume": False,
            "tags": [{"key": k, "value": v, "read_only": False} for k, v in vol.tags.items()],
            "created_at": fmt_ts_volume(vol.created_us),
            "updated_at": fmt_ts_volume(vol.updated_us),
            "creator_task_id": vol.create_task.id, "task_id": active_task,
            "attachments": [], "snapshot_ids": [], "limiter_stats": None,
            "volume_image_metadata": None,
        }

    def _find_volume(self, params, now_us):
        project_id = self._path_int(params, "project_id")
        region_id = self._path_int(params, "region_id")
        vol = self._volumes.get(params["volume_id"])
        status = self._volume_status(vol, now_us) if vol is not None else None
        if vol is None or status is None or vol.project_id != project_id \
                or vol.region_id != region_id:
            raise SandboxError(404, "VolumeNotFound", "Volume %s not found" % params["volume_id"])
        return vol, status

    def api_create_volume(self, params, query, body):
        project_id = self._path_int(params, "project_id")
        region_id = self._path_int(params, "region_id")
        payload = _json_body(body)
        self._validate_volume_body(payload)
        _refuse_by_name(payload.get("name"))
        with self._lock:
            vol_id = str(uuid.uuid4())
            fail = payload["name"].startswith(FAIL_PREFIX)
            task = self._new_task(
                "create_volume", project_id, region_id, copy.deepcopy(payload),
                _secs_to_us(self.config["volume_queue"], "volume_queue"),
                _secs_to_us(self.config["volume_duration"], "volume_duration"),
                outcome="ERROR" if fail else "FINISHED",
                error=FAIL_ERROR_TEXT if fail else None,
                resources={"volumes": [vol_id]})
            vol = _Volume()
            vol.id = vol_id
            vol.name = payload["name"]
            vol.size = payload.get("size", 1)
            vol.project_id, vol.region_id = project_id, region_id
            vol.type_name = payload.get("type_name", "standard")
            vol.bootable = payload["source"] == "image"
            vol.tags = dict(payload.get("tags") or {})
            vol.created_us = vol.updated_us = task.created_us
            vol.create_task, vol.delete_task = task, None
            vol.source = payload["source"]
            self._volumes[vol_id] = vol
            return _answer_tasks(payload.get("name"), [task.id])

    def api_list_volumes(self, params, query, body):
        project_id = self._path_int(params, "project_id")
        region_id = self._path_int(params, "region_id")
        q = _Query(query)
        limit = q.int_one("limit", 1000, exclusive_min=0, maximum=1000)
        offset = q.int_one("offset", 0, minimum=0)
        name_part = q.str_one("name_part")
        q.check()
        with self._lock:
            now_us = self.now_us()
            out = []
            for vol in self._volumes.values():
                if vol.project_id != project_id or vol.region_id != region_id:
                    continue
                if name_part and name_part not in vol.name:
                    continue
                status = self._volume_status(vol, now_us)
                if status is not None:
                    out.append(self._render_volume(vol, status, now_us))
            return 200, {"count": len(out), "results": out[offset:offset + limit]}

    def api_get_volume(self, params, query, body):
        with self._lock:
            now_us = self.now_us()
            vol, status = self._find_volume(params, now_us)
            return 200, self._render_volume(vol, status, now_us)

    def api_patch_volume(self, params, query, body):
        payload = _json_body(body)
        if not isinstance(payload, dict):
            raise _validation({"body": "Input should be a valid object"})
        errors = {}
        if "name" in payload and (not isinstance(payload["name"], str)
                                  or not VOLUME_NAME_RE.match(payload["name"])):
            errors["name"] = "String should match the volume name pattern"
        tags = payload.get("tags")
        if tags is not None and not _valid_tags(tags, allow_null_values=True):
            errors["tags"] = "Input should be an object of tag key -> tag value or null"
        if errors:
            raise _validation(errors)
        with self._lock:
            now_us = self.now_us()
            vol, status = self._find_volume(params, now_us)
            if "name" in payload:
                vol.name = payload["name"]
            if "tags" in payload:
                if tags is None:
                    vol.tags = {}
                else:
                    for k, v in tags.items():
                        if v is None:
                            vol.tags.pop(k, None)
                        else:
                            vol.tags[k] = v
            vol.updated_us = now_us
            return 200, self._render_volume(vol, status, now_us)

    def api_delete_volume(self, params, query, body):
        with self._lock:
            now_us = self.now_us()
            vol, status = self._find_volume(params, now_us)
            if status != "available":
                raise SandboxError(
                    409, "VolumeInvalidState",
                    "Volume %s is in status '%s'; it must be 'available' to be deleted"
                    % (vol.id, status))
            task = self._new_task(
                "delete_volume", vol.project_id, vol.region_id,
                {"volume_id": vol.id, "snapshots": urllib.parse.parse_qs(query).get(
                    "snapshots", [None])[-1]},
                _secs_to_us(self.config["volume_queue"], "volume_queue"),
                _secs_to_us(self.config["volume_duration"], "volume_duration"))
            vol.delete_task = task
            vol.updated_us = now_us
            return 200, {"tasks": [task.id]}

    # other write calls (WRITE_KINDS) -----------------------------------
    def _write_create(self, kind, params, body):
        spec = WRITE_KINDS[kind]
        project_id = self._path_int(params, "project_id")
        region_id = self._path_int(params, "region_id")
        payload = _json_body(body)
        if not isinstance(payload, dict):
            raise _validation({"body": "Input should be a valid object"})
        name = payload.get("name")
        if spec.get("named", True) and (not isinstance(name, str) or not name):
            raise _validation({"name": "Field required"})
        _refuse_by_name(name)
        resources = {spec["keys"][0]: [str(uuid.uuid4())]}
        extra_counts = {
            "volumes": len(payload.get("volumes") or []) or 1,
            "ports": len(payload.get("interfaces") or []) or 1,
            "listeners": len(payload.get("listeners") or []),
            "pools": sum(len(listener.get("pools") or []) for listener in payload.get("listeners") or []
                         if isinstance(listener, dict)),
            "k8s_pools": len(payload.get("pools") or []) or 1,
        }
        for key in spec["keys"][1:]:
            resources[key] = [str(uuid.uuid4()) for _unused in range(extra_counts[key])]
        with self._lock:
            ref = name if spec["by"] == "name" else resources[spec["keys"][0]][0]
            if spec["by"] == "name" and (kind, ref) in self._resources \
                    and self._resource_status(self._resources[(kind, ref)], self.now_us()) is not None:
                raise SandboxError(409, "ClusterAlreadyExists", "Cluster %s already exists" % ref)
            duration = self.config["volume_duration"] * spec["factor"]
            fail = isinstance(name, str) and name.startswith(FAIL_PREFIX)
            task = self._new_task(
                spec["create_type"], project_id, region_id, copy.deepcopy(payload),
                _secs_to_us(self.config["volume_queue"], "volume_queue"), _secs_to_us(duration, "duration"),
                outcome="ERROR" if fail else "FINISHED",
                error=("Quota exceeded: %s" % spec["keys"][0]) if fail else None, resources=resources)
            resource = _Resource()
            resource.kind, resource.ref, resource.id = kind, ref, resources[spec["keys"][0]][0]
            resource.name, resource.project_id, resource.region_id = name, project_id, region_id
            resource.create_task, resource.delete_task = task, None
            self._resources[(kind, ref)] = resource
        return _answer_tasks(name, [task.id])

    @staticmethod
    def _resource_status(resource, now_us):
        state = resource.create_task.state_at(now_us)[0]
        if state == "ERROR":
            return None
        if state != "FINISHED":
            return "CREATING"
        if resource.delete_task is not None:
            return None if resource.delete_task.state_at(now_us)[0] == "FINISHED" else "DELETING"
        return "ACTIVE"

    def _find_resource(self, kind, params, now_us):
        project_id = self._path_int(params, "project_id")
        region_id = self._path_int(params, "region_id")
        resource = self._resources.get((kind, params["resource_id"]))
        status = self._resource_status(resource, now_us) if resource is not None else None
        if status is None or resource.project_id != project_id or resource.region_id != region_id:
            raise SandboxError(404, "NotFound", "%s %s not found" % (kind, params["resource_id"]))
        return resource, status

    def _write_get(self, kind, params):
        with self._lock:
            now_us = self.now_us()
            resource, status = self._find_resource(kind, params, now_us)
            return 200, {"id": resource.id, "name": resource.name, "status": status,
                         "project_id": resource.project_id, "region_id": resource.region_id,
                         "region": REGION_NAME, "created_at": fmt_ts(resource.create_task.created_us),
                         "creator_task_id": resource.create_task.id}

    def _write_delete(self, kind, params):
        spec = WRITE_KINDS[kind]
        with self._lock:
            now_us = self.now_us()
            resource, status = self._find_resource(kind, params, now_us)
            if status != "ACTIVE":
                raise SandboxError(409, "InvalidState", "%s %s is %s" % (kind, resource.ref, status))
            resource.delete_task = self._new_task(
                spec["delete_type"], resource.project_id, resource.region_id, {"id": resource.id},
                _secs_to_us(self.config["volume_queue"], "volume_queue"),
                _secs_to_us(self.config["volume_duration"] * spec["factor"], "duration"))
            return 200, {"tasks": [resource.delete_task.id]}

    _HANDLERS = {
        "GET /cloud/v1/tasks": "api_list_tasks",
        "POST /cloud/v1/tasks/acknowledge_all": "api_ack_all",
        "POST /cloud/v1/tasks/acknowledge": "api_ack_deprecated",
        "GET /cloud/v1/tasks/{project_id}/{region_id}/active": "api_active",
        "POST /cloud/v1/tasks/{task_id}/acknowledge": "api_ack_one",
        "GET /cloud/v1/tasks/{task_id}": "api_get_task",
        "POST /cloud/v1/volumes/{project_id}/{region_id}": "api_create_volume",
        "GET /cloud/v1/volumes/{project_id}/{region_id}": "api_list_volumes",
        "GET /cloud/v1/volumes/{project_id}/{region_id}/{volume_id}": "api_get_volume",
        "PATCH /cloud/v1/volumes/{project_id}/{region_id}/{volume_id}": "api_patch_volume",
        "DELETE /cloud/v1/volumes/{project_id}/{region_id}/{volume_id}": "api_delete_volume",
    }

    for _kind, _spec in WRITE_KINDS.items():
        _HANDLERS["POST %s/{project_id}/{region_id}" % _spec["create"]] = "api_create_" + _kind
        _HANDLERS["GET %s/{project_id}/{region_id}/{resource_id}" % _spec["item"]] = "api_get_" + _kind
        _HANDLERS["DELETE %s/{project_id}/{region_id}/{resource_id}" % _spec["item"]] = "api_delete_" + _kind

    # ------------------------------------------------------------ control API over HTTP
    def control(self, method, path, body):
        """Handle /_sandbox/...; returns (status, json-able body or None)."""
        try:
            payload = _json_body(body, allow_empty=True)
        except SandboxError:
            return 400, {"error": "body is not valid JSON"}
        try:
            if path == "/_sandbox/health" and method == "GET":
                return 200, {"ok": True}
            if path == "/_sandbox/tasks" and method == "POST":
                specs = (payload or {}).get("tasks", []) if isinstance(payload, dict) else payload
                if not isinstance(specs, list):
                    raise ValueError("body must be {\"tasks\": [spec, ...]}")
                repeat = payload.get("repeat", 1) if isinstance(payload, dict) else 1
                if isinstance(repeat, bool) or not isinstance(repeat, int) or not 1 <= repeat <= 100000:
                    raise ValueError("repeat must be an integer from 1 to 100000")
                specs = specs * repeat
                return 200, {"tasks": self.add_tasks(specs)}
            m = _CONTROL_TASK_VANISH.match(path)
            if m and method == "POST":
                task_id = urllib.parse.unquote(m.group("task_id"))
                if not self.vanish(task_id):
                    return 404, {"error": "unknown task %s" % task_id}
                return 200, {"vanished": task_id}
            if path == "/_sandbox/faults":
                if method == "POST":
                    specs = payload.get("faults", [payload]) if isinstance(payload, dict) else payload
                    if not isinstance(specs, list) or not all(isinstance(s, dict) for s in specs):
                        raise ValueError("body must be a fault object or {\"faults\": [...]}")
                    added = [self.add_fault(**s) for s in specs]
                    return 200, {"faults": added}
                if method == "DELETE":
                    self.clear_faults()
                    return 200, {"faults": []}
                if method == "GET":
                    return 200, {"faults": self.faults()}
            if path == "/_sandbox/config":
                if method == "POST":
                    if not isinstance(payload, dict):
                        raise ValueError("body must be an object")
                    return 200, self.configure(**payload)
                if method == "GET":
                    with self._lock:
                        return 200, dict(self.config)
            if path == "/_sandbox/counters" and method == "GET":
                return 200, self.counters()
            if path == "/_sandbox/counters/reset" and method == "POST":
                self.reset_counters()
                return 200, self.counters()
            if path == "/_sandbox/requests" and method == "GET":
                return 200, {"requests": self.requests()}
            if path == "/_sandbox/reset" and method == "POST":
                self.reset()
                return 200, {"ok": True}
        except (TypeError, ValueError) as exc:
            return 400, {"error": str(exc)}
        return 404, {"error": "no control route %s %s" % (method, path)}


class _Resource:
    __slots__ = ("kind", "ref", "id", "name", "project_id", "region_id", "create_task", "delete_task")


def _handlers_for(kind):
    def create(self, params, query, body):
        return self._write_create(kind, params, body)

    def get(self, params, query, body):
        return self._write_get(kind, params)

    def delete(self, params, query, body):
        return self._write_delete(kind, params)

    return create, get, delete


for _kind in WRITE_KINDS:
    for _verb, _handler in zip(("create", "get", "delete"), _handlers_for(_kind)):
        setattr(Sandbox, "api_%s_%s" % (_verb, _kind), _handler)


class GatewayAnswer:
    """A write that was processed but answered by the gateway with a 502 HTML page."""


def _refuse_by_name(name):
    """The reject switches: nothing is created."""
    if not isinstance(name, str):
        return
    if name.startswith(REJECT_PREFIX):
        raise _validation({"name": "Sandbox switch: names starting with %r are refused" % REJECT_PREFIX})
    if name.startswith(BAD_REQUEST_PREFIX):
        raise SandboxError(400, "BadRequest", "Sandbox switch: bad request",
                           invalid_fields={"name": "names starting with %r are refused" % BAD_REQUEST_PREFIX})


def _answer_tasks(name, task_ids):
    """{"tasks": [...]}, or the gateway switch's 502 HTML page after the work was accepted."""
    if isinstance(name, str) and name.startswith(GATEWAY_PREFIX):
        return 502, GatewayAnswer()
    return 200, {"tasks": task_ids}


def _collection(count, tasks, now_us):
    return RawJSON('{"count":%d,"results":[%s]}'
                   % (count, ",".join(t.render_json(now_us) for t in tasks)))


def _valid_tags(tags, allow_null_values):
    if not isinstance(tags, dict):
        return False
    for k, v in tags.items():
        if not (0 < len(k) <= 255 and TAG_KEY_RE.match(k)):
            return False
        if v is None and allow_null_values:
            continue
        if not isinstance(v, str) or not 0 < len(v) <= 255 or not TAG_VALUE_RE.match(v):
            return False
    return True


def _json_body(body, allow_empty=False):
    if not body or not body.strip():
        if allow_empty:
            return None
        raise _validation({"body": "Field required"}, "Request body is required")
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise _validation({"body": "JSON decode error"}, "Request body is not valid JSON") from None


def match_route(method, path):
    """-> (route_key, template params) or ("UNMATCHED", None); 405 when only the method differs."""
    path_matched = False
    for m, template, rx in _ROUTE_TABLE:
        found = rx.match(path)
        if not found:
            continue
        path_matched = True
        if m == method:
            params = {k: urllib.parse.unquote(v) for k, v in found.groupdict().items()}
            return "%s %s" % (m, template), params
    return "UNMATCHED", ("method" if path_matched else None)


# --------------------------------------------------------------------------- HTTP layer

_REASONS = {401: "NotAuthenticated", 403: "PermissionDenied", 404: "NotFound",
            405: "MethodNotAllowed", 408: "RequestTimeout", 409: "Conflict",
            422: "ValidationError", 429: "Throttled", 500: "InternalServerError",
            502: "BadGateway", 503: "ServiceUnavailable", 504: "GatewayTimeout"}


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False

    def __init__(self, addr, handler, sandbox):
        self.sandbox = sandbox
        if ":" in addr[0]:
            self.address_family = socket.AF_INET6
        super().__init__(addr, handler)

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError, OSError)):
            return  # client went away (e.g. after a read timeout on a "hang" fault)
        super().handle_error(request, client_address)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "gcore-sandbox/1.0"
    sys_version = ""

    def log_message(self, format, *args):  # noqa: A002 - silence per-request logging
        pass

    def version_string(self):
        return self.server_version

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sb = self.server.sandbox
        with sb._lock:
            sb._conns.add(self.connection)

    def finish(self):
        sb = self.server.sandbox
        with sb._lock:
            sb._conns.discard(self.connection)
        try:
            super().finish()
        except OSError:
            pass

    # every verb goes through one dispatcher
    def do_GET(self):
        self._dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def _read_body(self):
        length = self.headers.get("Content-Length")
        if length is None:
            if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                chunks = []
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                    if size == 0:
                        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                            pass
                        break
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
                return b"".join(chunks)
            return b""
        try:
            n = int(length)
        except ValueError:
            n = 0
        if n > MAX_BODY:
            self.close_connection = True
            return self.rfile.read(MAX_BODY)
        return self.rfile.read(n) if n > 0 else b""

    def _send(self, status, payload=None, raw=None, content_type="application/json",
              headers=None, request_id=None):
        if raw is None and isinstance(payload, RawJSON):
            raw = payload.encode("utf-8")
        elif raw is None and payload is not None:
            raw = _dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("X-Request-ID", request_id or str(uuid.uuid4()))
        if status == 204 or status < 200 or status == 304:
            raw = b""
        else:
            raw = raw or b""
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(raw)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if raw and self.command != "HEAD":
            self.wfile.write(raw)
        self.wfile.flush()
        return status

    def _send_error(self, exc, request_id):
        body = {"exception_class": exc.exception_class, "message": exc.message,
                "request_id": request_id}
        body.update(exc.extra)
        return self._send(exc.status, body, request_id=request_id)

    def _dispatch(self):
        split = urllib.parse.urlsplit(self.path)
        path, query = split.path, split.query
        body = self._read_body()
        sb = self.server.sandbox
        if path.startswith("/_sandbox/") or path == "/_sandbox":
            status, payload = sb.control(self.command, path, body)
            self._send(status, payload)
            return
        request_id = str(uuid.uuid4())
        method = self.command
        route_key, params = match_route(method, path)
        if not path.startswith("/cloud/"):
            self._send_error(SandboxError(404, "NotFound", "No route %s %s" % (method, path)),
                             request_id)
            return
        entry, fault, latency = sb._record(method, route_key, path, query,
                                           dict(self.headers.items()), body,
                                           "%s:%s" % self.client_address[:2])
        if latency:
            sb._stopping.wait(latency)
        if fault is not None:
            status = self._apply_fault(fault, request_id)
            if status is not None:
                entry["status"] = status
                return
        try:
            sb._check_auth(self.headers.get("Authorization"))
            if route_key == "UNMATCHED":
                if params == "method":
                    raise SandboxError(405, "MethodNotAllowed",
                                       'Method "%s" not allowed.' % method)
                raise SandboxError(404, "NotFound", "No route %s %s" % (method, path))
            handler = getattr(sb, Sandbox._HANDLERS[route_key])
            status, payload = handler(params, query, body)
        except SandboxError as exc:
            entry["status"] = exc.status
            self._send_error(exc, request_id)
            return
        except Exception as exc:  # pragma: no cover - a sandbox bug, still answer JSON
            entry["status"] = 500
            self._send_error(SandboxError(500, "InternalServerError", repr(exc)), request_id)
            return
        entry["status"] = status
        if isinstance(payload, GatewayAnswer):
            self._send(status, raw=GATEWAY_PAGE.encode("utf-8"), content_type="text/html", request_id=request_id)
            return
        self._send(status, payload, request_id=request_id)

    def _apply_fault(self, fault, request_id):
        """Answer with the fault; None means 'continue normally' (hang)."""
        sb = self.server.sandbox
        if fault.latency:
            sb._stopping.wait(fault.latency)
        if fault.action == "hang":
            return None
        if fault.action == "reset":
            self.close_connection = True
            try:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                           struct.pack("ii", 1, 0))
                self.connection.close()
            except OSError:
                pass
            return 0
        if fault.action == "truncate":
            raw = _fault_body(fault, 200, request_id)[0] or b'{"id": "'
            raw = raw[: max(1, len(raw) // 2)]
            self.close_connection = True
            self.send_response(200)
            self.send_header("X-Request-ID", request_id)
            self.send_header("Content-Type", fault.content_type or "application/json")
            self.send_header("Content-Length", str(len(raw) + 1024))
            for name, value in fault.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(raw)
            self.wfile.flush()
            return 200
        raw, content_type = _fault_body(fault, fault.status, request_id)
        return self._send(fault.status, raw=raw, content_type=content_type,
                          headers=fault.headers, request_id=request_id)


def _fault_body(fault, status, request_id):
    if isinstance(fault.body, str):
        return fault.body.encode("utf-8"), fault.content_type or "text/plain; charset=utf-8"
    if fault.body is not None:
        return (json.dumps(fault.body).encode("utf-8"),
                fault.content_type or "application/json")
    default = {"exception_class": _REASONS.get(status, "Error"),
               "message": "Sandbox fault: HTTP %d" % status, "request_id": request_id}
    return json.dumps(default).encode("utf-8"), fault.content_type or "application/json"


# --------------------------------------------------------------------------- CLI

def main(argv=None):
    parser = argparse.ArgumentParser(description="Gcore Cloud tasks API sandbox")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--api-key", default="sandbox-key")
    parser.add_argument("--port-file", help="write the base URL to this file once listening")
    parser.add_argument("--volume-duration", type=float, default=2.0)
    parser.add_argument("--volume-queue", type=float, default=0.3)
    parser.add_argument("--latency", type=float, default=0.0,
                        help="seconds added to every /cloud/ response")
    args = parser.parse_args(argv)

    try:
        sandbox = Sandbox(api_key=args.api_key, host=args.host, port=args.port,
                          volume_duration=args.volume_duration,
                          volume_queue=args.volume_queue, latency=args.latency)
    except ValueError as exc:
        parser.error(str(exc))
    done = threading.Event()

    def _stop(signum, frame):
        done.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    sandbox.start()
    try:
        if args.port_file:
            tmp = "%s.tmp.%d" % (args.port_file, os.getpid())
            with open(tmp, "w", encoding="utf-8") as fh:
                fh.write(sandbox.url + "\n")
            os.replace(tmp, args.port_file)
        print("SANDBOX_URL=%s" % sandbox.url, flush=True)
        while not done.wait(0.5):
            pass
    finally:
        sandbox.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
