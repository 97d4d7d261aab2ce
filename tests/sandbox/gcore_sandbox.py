"""Local sandbox imitating the Gcore Cloud tasks API (standard library only).

The answers follow tests/contract/gcore-cloud-tasks.openapi.yaml: the six
``/cloud/v1/tasks`` paths plus volume create/list/get/patch/delete as an example
of a write call that answers with task IDs.  Every common write kind (KINDS:
volumes, instances, networks, subnets, floating IPs, load balancers, k8s clusters,
routers) is a resource the sandbox keeps, listed with the API's filters, moving
through statuses with its tasks, and refusing deletes the real API refuses.  A small
control API under ``/_sandbox/`` (no auth) seeds tasks, injects faults, sets a rate
limit / clock offset / upper-case task IDs, and reads counters and the timeline.
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
import email.utils
import http.server
import ipaddress
import itertools
import json
import math
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

__all__ = ["Sandbox", "SandboxError", "CREATED_RESOURCE_KEYS", "ROUTES", "KINDS", "STATUSES", "main"]

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

#: Every resource kind the sandbox keeps (paths as the official SDK sends them): kind ->
#: create collection, list collection (GET, also GET/DELETE .../{id}), create and delete task
#: types, task duration as a multiple of volume_duration (the guide's typical durations,
#: scaled), how an item is addressed ("name" for k8s clusters), whether the create body must
#: name the resource, the list's query filters (param -> how it matches), and the status
#: shown in each phase of the resource's life (creating, ready, deleting, error,
#: error_deleting).  Volumes are "in-use" while attached; floating IPs "DOWN" while not.
KINDS = {
    "volumes": dict(create="/cloud/v1/volumes", list="/cloud/v1/volumes", create_type="create_volume",
                    delete_type="delete_volume", factor=1.0, by="id", named=True,
                    filters={"name_part": "substring", "tag_key_value": "tags", "instance_id": "instance"},
                    statuses=dict(creating="creating", ready="available", deleting="deleting", error="error",
                                  error_deleting="error_deleting"), not_found="VolumeNotFound"),
    "instances": dict(create="/cloud/v2/instances", list="/cloud/v1/instances", create_type="create_vm",
                      delete_type="delete_vm", factor=2.0, by="id", named=False,
                      filters={"name": "substring", "tag_key_value": "tags"},
                      statuses=dict(creating="BUILD", ready="ACTIVE", deleting="DELETING", error="ERROR",
                                    error_deleting="ERROR"), not_found="InstanceNotFound"),
    "networks": dict(create="/cloud/v1/networks", list="/cloud/v1/networks", create_type="create_network",
                     delete_type="delete_network", factor=1.0, by="id", named=True,
                     filters={"name": "exact", "tag_key_value": "tags"},
                     statuses=dict(creating="BUILD", ready="ACTIVE", deleting="DELETING", error="ERROR",
                                   error_deleting="ERROR"), not_found="NetworkNotFound"),
    "subnets": dict(create="/cloud/v1/subnets", list="/cloud/v1/subnets", create_type="create_subnet",
                    delete_type="delete_subnet", factor=1.0, by="id", named=True,
                    filters={"network_id": "network", "tag_key_value": "tags"},
                    statuses=dict(creating="BUILD", ready="ACTIVE", deleting="DELETING", error="ERROR",
                                  error_deleting="ERROR"), not_found="SubnetNotFound"),
    "floatingips": dict(create="/cloud/v1/floatingips", list="/cloud/v1/floatingips", create_type="create_fip",
                        delete_type="delete_fip", factor=1.0, by="id", named=False,
                        filters={"tag_key_value": "tags"},
                        statuses=dict(creating="BUILD", ready="ACTIVE", deleting="DELETING", error="ERROR",
                                      error_deleting="ERROR"), not_found="FloatingIPNotFound"),
    "loadbalancers": dict(create="/cloud/v1/loadbalancers", list="/cloud/v1/loadbalancers",
                          create_type="create_loadbalancer", delete_type="delete_loadbalancer", factor=3.0,
                          by="id", named=True, filters={"name": "exact", "tag_key_value": "tags"},
                          statuses=dict(creating="PENDING_CREATE", ready="ACTIVE", deleting="PENDING_DELETE",
                                        error="ERROR", error_deleting="ERROR"), not_found="LoadBalancerNotFound"),
    "k8s_clusters": dict(create="/cloud/v2/k8s/clusters", list="/cloud/v2/k8s/clusters",
                         create_type="create_k8s_cluster_v2", delete_type="delete_k8s_cluster_v2", factor=4.0,
                         by="name", named=True, filters={},
                         statuses=dict(creating="Provisioning", ready="Provisioned", deleting="Deleting",
                                       error="Failed", error_deleting="Failed"), not_found="ClusterNotFound"),
    "routers": dict(create="/cloud/v1/routers", list="/cloud/v1/routers", create_type="create_router",
                    delete_type="delete_router", factor=1.0, by="id", named=True, filters={"name": "exact"},
                    statuses=dict(creating="BUILD", ready="ACTIVE", deleting="DELETING", error="ERROR",
                                  error_deleting="ERROR"), not_found="RouterNotFound"),
}
LABELS = {"volumes": "Volume", "instances": "Instance", "networks": "Network", "subnets": "Subnet",
          "floatingips": "Floating IP", "loadbalancers": "Load balancer", "k8s_clusters": "Cluster",
          "routers": "Router"}
#: The kinds beyond volumes (kept for callers of the earlier name).
WRITE_KINDS = {kind: spec for kind, spec in KINDS.items() if kind != "volumes"}
#: kind -> {phase: status}; see KINDS.
STATUSES = {kind: dict(spec["statuses"]) for kind, spec in KINDS.items()}

DEFAULT_USER_ID = 1001
DEFAULT_CLIENT_ID = 10001
REGION_NAME = "Sandbox-1"
REQUEST_LOG_SIZE = 1000
TIMELINE_SIZE = 200_000
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
    ("GET", kind["list"] + "/{project_id}/{region_id}"),
    ("GET", kind["list"] + "/{project_id}/{region_id}/{resource_id}"),
    ("DELETE", kind["list"] + "/{project_id}/{region_id}/{resource_id}"),
))
# POST and GET share the list path for most kinds: a route key is "METHOD template", so
# duplicates of the same (method, template) are dropped here.
ROUTES = tuple(dict.fromkeys(ROUTES))


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
                 "outcome", "error", "resources", "ack_us", "ack_by", "key", "fields", "_cache")

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

    def render_json(self, now_us, off_us=0):
        """The task as compact JSON text; cached per (state, acknowledgement).

        Rendering depends only on the state and the acknowledgement, so the
        cache stays valid until one of them changes: polling thousands of
        tasks costs one string join, not thousands of json.dumps calls.
        """
        if self.fields:  # odd values on purpose: rendered whole, never cached
            doc = self.render(now_us, off_us=off_us)
            doc.update(self.fields)
            return _dumps(doc)
        state = self.state_at(now_us)[0]
        key = (state, self.ack_us, off_us)
        cached = self._cache
        if cached is not None and cached[0] == key:
            return cached[1]
        doc = self.render(now_us, with_resources=False, off_us=off_us)
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

    def render(self, now_us, with_resources=True, off_us=0):
        """The task as a dict (TaskSerializer); see render_json for the HTTP form.

        ``off_us``: the API clock offset, added to every timestamp shown."""
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
            "created_on": fmt_ts(self.created_us + off_us),
            "updated_on": fmt_ts(updated_us + off_us),
            "finished_on": fmt_ts(finished_us + off_us) if finished_us is not None else None,
            "error": self.error if state == "ERROR" else None,
            "created_resources": created_resources,
            "acknowledged_at": fmt_ts(self.ack_us + off_us) if self.ack_us is not None else None,
            "acknowledged_by": self.ack_by,
        }
        if not with_resources:
            del doc["created_resources"]
        return doc


class _Res:
    """One resource of KINDS.  ``ports``: [{port_id, network_id, subnet_id, ip_address, mac_address}]
    (instances' interfaces, routers' subnet interfaces); ``network_id``/``subnet_id``: what a subnet,
    load balancer, k8s cluster or router (gateway) uses; ``instance_id``: what a volume or floating
    IP is attached to; ``extra``: the kind's own fields."""
    __slots__ = ("kind", "id", "name", "project_id", "region_id", "create_task", "delete_task", "tags",
                 "created_us", "updated_us", "network_id", "subnet_id", "instance_id", "ports", "extra")


class _Fault:
    __slots__ = ("route", "status", "body", "content_type", "headers", "times",
                 "latency", "action", "after")

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
                "times": self.times, "latency": self.latency, "action": self.action,
                "after": self.after}


# When a created resource shows in its list and GET (configure(listed_from=...)).
# The create task's states that hide the resource, by setting.
HIDDEN_WHILE = {"accepted": (), "running": ("NEW",), "finished": ("NEW", "RUNNING")}
LISTED_FROM = tuple(HIDDEN_WHILE)


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
                          "volume_queue": float(volume_queue), "rate_limit": 0.0,
                          "rate_limit_retry_after": 0.0, "upper_task_ids": False, "clock_offset": 0.0,
                          "listed_from": "accepted", "network_router": False}
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
        self._res = {}            # resource id -> _Res (every kind)
        self._store = {kind: {} for kind in KINDS}  # kind -> {id: _Res}, in creation order
        self._ips = itertools.count(1)
        self._faults = []
        self._timeline = deque(maxlen=TIMELINE_SIZE)
        self._rl_window = deque()   # host times of the requests the rate limit let through
        self._requests = deque(maxlen=self._request_log_size)
        self._reset_counters()
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
        """The host clock (drives every state change), in epoch microseconds."""
        return int(round(self.clock() * 1_000_000))

    def _off_us(self):
        """The API clock offset: added to every timestamp the API shows and to its Date header."""
        return int(round(self.config["clock_offset"] * 1_000_000))

    def api_now(self):
        """The API's clock (host clock + clock_offset), epoch seconds."""
        return self.clock() + self.config["clock_offset"]

    # ------------------------------------------------------------ task store
    def _insert(self, task):
        self._tasks[task.key] = task
        bisect.insort(self._order, (task.created_us, task.seq, task.key))

    def _new_task(self, task_type, project_id, region_id, data, queued_us, duration_us,
                  outcome="FINISHED", error=None, resources=None, created_us=None, fields=None):
        task = _Task()
        task.id = str(uuid.uuid4())
        if self.config["upper_task_ids"]:
            task.id = task.id.upper()
        task.key = task.id.lower()  # lookups by ID ignore letter case, as UUIDs do
        task.seq = next(self._seq)
        task.task_type = task_type
        task.project_id = project_id
        task.region_id = region_id
        task.client_id = self.client_id
        task.user_id = self.user_id
        task.request_id = str(uuid.uuid4())
        task.data = data
        task.created_us = self.now_us() if created_us is None else created_us
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

    def crowd(self, count, task_type="create_volume", project_id=1, region_id=1, state="RUNNING",
              created_offset=0.0):
        """Seed ``count`` other tasks of one type in a project/region that stay ``state``
        (NEW, RUNNING: never end; FINISHED or ERROR: already ended).  Fast: 1,000 in a few ms."""
        if state not in TASK_STATES:
            raise ValueError("state must be one of %s" % ", ".join(TASK_STATES))
        if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= 1_000_000:
            raise ValueError("count must be an integer from 0 to 1000000")
        spec = {"task_type": task_type, "project_id": project_id, "region_id": region_id,
                "created_offset": created_offset}
        if state == "NEW":
            spec["queued"] = None
        elif state == "RUNNING":
            spec["duration"] = None
        else:
            spec.update(duration=0.0, outcome=state)
        now_us = self.now_us()
        kw = self._spec_to_task(spec, now_us)
        with self._lock:
            out = []
            for _unused in range(count):
                kw["resources"] = self._auto_resources(task_type)
                out.append(self._new_task(**kw).id)
            return out

    def resources(self, kind=None, project_id=None, region_id=None, include_gone=False):
        """Every resource the sandbox keeps, as the API renders it, plus ``kind`` and ``phase``
        (creating, ready, deleting, error, error_deleting; None once gone), in creation order."""
        if kind is not None and kind not in KINDS:
            raise ValueError("kind must be one of %s" % ", ".join(KINDS))
        with self._lock:
            now_us = self.now_us()
            out = []
            for res in (self._store[kind] if kind else self._res).values():
                if project_id is not None and res.project_id != project_id:
                    continue
                if region_id is not None and res.region_id != region_id:
                    continue
                phase = self._phase(res, now_us)
                if phase is None and not include_gone:
                    continue
                doc = self._render(res, phase or "deleting", now_us) if phase is None else \
                    self._render(res, phase, now_us)
                if phase is None:
                    doc["status"], doc["task_id"] = "gone", None
                doc.update(kind=res.kind, phase=phase)
                out.append(doc)
            return out

    def resource(self, resource_id):
        """One resource by ID (or a k8s cluster by name), rendered as in resources(); None if unknown."""
        with self._lock:
            found = self._res.get(resource_id)
            if found is None:
                named = [r for r in self._store["k8s_clusters"].values() if r.name == resource_id]
                found = named[-1] if named else None
        if found is None:
            return None
        for doc in self.resources(found.kind, include_gone=True):
            if doc["id"] == found.id:
                return doc
        return None

    def task(self, task_id):
        """The task as the API would render it now, or None."""
        with self._lock:
            task = self._tasks.get(str(task_id).lower())
            return json.loads(task.render_json(self.now_us(), self._off_us())) if task else None

    def task_ids(self):
        """The IDs of every task held, oldest first."""
        with self._lock:
            return [self._tasks[key].id for _unused, _unused, key in self._order]

    def vanish(self, task_id):
        """Make a task disappear (404 afterwards).  Returns False if unknown."""
        with self._lock:
            task = self._tasks.pop(str(task_id).lower(), None)
            if task is None:
                return False
            key = (task.created_us, task.seq, task.key)
            i = bisect.bisect_left(self._order, key)
            if i < len(self._order) and self._order[i] == key:
                del self._order[i]
            return True

    def add_fault(self, route="*", status=503, body=None, content_type=None, headers=None,
                  times=1, latency=0.0, action=None, after=0):
        """Queue a fault for the next ``times`` requests matching ``route``.

        ``route``: "*" (every /cloud/ request), "METHOD template" as in counters
        (e.g. "GET /cloud/v1/tasks/{task_id}"), "UNMATCHED", or a template/path
        without method (any method).  ``times=None`` means until cleared.  ``after``: the
        first ``after`` matching requests pass untouched (e.g. a key revoked after 20 requests:
        ``add_fault("*", 401, times=None, after=20)``).
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
        if isinstance(after, bool) or not isinstance(after, int) or after < 0:
            raise ValueError("after must be a non-negative integer")
        fault.after = after
        with self._lock:
            self._faults.append(fault)
        return fault.describe()

    def clear_faults(self):
        with self._lock:
            self._faults.clear()

    def faults(self):
        with self._lock:
            return [f.describe() for f in self._faults]

    def configure(self, latency=None, volume_duration=None, volume_queue=None, *, rate_limit=None,
                  rate_limit_retry_after=None, upper_task_ids=None, clock_offset=None, listed_from=None,
                  network_router=None):
        """Change runtime settings (None = unchanged); returns the config.

        ``rate_limit``: /cloud/ requests per second across all clients (0 = off); beyond it a
        429 ``Throttled`` with ``Retry-After`` (``rate_limit_retry_after`` seconds, or 0 = the
        seconds until the sliding one-second window has room, at least 1), and the call is not
        processed.  ``upper_task_ids``: tasks made from now on get upper-case IDs.
        ``clock_offset``: seconds added to every timestamp the API shows and to its Date header.
        ``listed_from``: when a created resource appears in its list and GET: ``accepted`` (the
        default: from the create call, in a creating status), ``running`` (once its task runs) or
        ``finished`` (once its task has FINISHED), as APIs differ; it exists (and holds what it
        uses) from the create call whatever this says.
        ``network_router``: a network created from now on gets a router by default, as the API's
        ``create_router`` (true unless the body says false): made by the network's own task (its
        ``creator_task_id``) but not in that task's ``created_resources`` (which names the network
        only), its gateway on the network and an interface on each subnet created on the network
        with ``connect_to_network_router`` (true unless the body says false). The subnets and the
        network then refuse deletion (409) until the router is gone.
        """
        new = {}
        for name, value in (("latency", latency), ("volume_duration", volume_duration),
                            ("volume_queue", volume_queue), ("rate_limit", rate_limit),
                            ("rate_limit_retry_after", rate_limit_retry_after)):
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ValueError("%s must be a non-negative number" % name)
            new[name] = float(value)
        if clock_offset is not None:
            if isinstance(clock_offset, bool) or not isinstance(clock_offset, (int, float)):
                raise ValueError("clock_offset must be a number of seconds")
            new["clock_offset"] = float(clock_offset)
        if listed_from is not None:
            if listed_from not in LISTED_FROM:
                raise ValueError("listed_from must be one of %s" % ", ".join(LISTED_FROM))
            new["listed_from"] = listed_from
        if network_router is not None:
            if not isinstance(network_router, bool):
                raise ValueError("network_router must be true or false")
            new["network_router"] = network_router
        if upper_task_ids is not None:
            if not isinstance(upper_task_ids, bool):
                raise ValueError("upper_task_ids must be true or false")
            new["upper_task_ids"] = upper_task_ids
        with self._lock:
            self.config.update(new)
            if "rate_limit" in new:
                self._rl_window.clear()
            return dict(self.config)

    def counters(self):
        """Request counts since the last reset (see README: Counters)."""
        with self._lock:
            return {"total": self._total, "writes": self._writes, "routes": dict(self._counters),
                    "methods": dict(self._methods), "write_routes": dict(self._write_routes),
                    "served": self._total - self._throttled, "throttled": self._throttled,
                    "throttled_writes": self._throttled_writes,
                    "throttled_routes": dict(self._throttled_routes)}

    def requests(self, limit=None):
        """The /cloud/ request log, oldest first.

        Entries: time (API clock, zone-less ISO), t (host epoch seconds), client ("ip:port";
        one port per keep-alive connection), method, path, query (raw string), headers (all,
        Authorization included), body (text), route (counter key), status (0 for a "reset"
        fault) and throttled (refused by the rate limit).
        """
        with self._lock:
            items = [{k: v for k, v in item.items() if k != "_short"} for item in self._requests]
        if limit is not None:
            items = items[-limit:] if limit > 0 else []
        return copy.deepcopy(items)

    def timeline(self, since=None, until=None):
        """Every /cloud/ request since the last reset (the latest 200,000), oldest first, as
        {t (host epoch seconds, the sandbox clock), method, route, path, status, client,
        throttled, write}; ``since``/``until`` (epoch seconds) bound ``t`` (inclusive)."""
        with self._lock:
            items = list(self._timeline)
        return [dict(item) for item in items
                if (since is None or item["t"] >= since) and (until is None or item["t"] <= until)]

    def last_request_at(self):
        """Host epoch seconds of the latest /cloud/ request, or None."""
        with self._lock:
            return self._timeline[-1]["t"] if self._timeline else None

    def reset_counters(self):
        with self._lock:
            self._reset_counters()

    def _reset_counters(self):
        self._counters = {}
        self._methods = {}
        self._write_routes = {}
        self._throttled_routes = {}
        self._total = 0
        self._writes = 0
        self._throttled = 0
        self._throttled_writes = 0
        self._requests.clear()
        self._timeline.clear()

    def reset(self):
        """Forget tasks, resources, faults, counters, request log; restore config."""
        with self._lock:
            self._reset_state()

    # ------------------------------------------------------------ request accounting
    def _record(self, method, route_key, path, query, headers, body, client=None):
        """Count and log a /cloud/ request; -> (entry, fault, latency, retry_after).

        ``retry_after`` is not None when the rate limit refuses the request (no fault is
        consumed then: the gateway's limiter answers first)."""
        now = self.clock()
        entry = {"time": fmt_ts(self.now_us() + self._off_us()), "t": now, "client": client,
                 "method": method, "path": path, "query": query, "headers": headers,
                 "body": body[:65536].decode("utf-8", "replace") if body else "",
                 "route": route_key, "status": None, "throttled": False}
        write = method not in ("GET", "HEAD", "OPTIONS") and not path.startswith("/cloud/v1/tasks")
        short = {"t": now, "method": method, "route": route_key, "path": path, "status": None,
                 "client": client, "throttled": False, "write": write}
        entry["_short"] = short
        with self._lock:
            self._total += 1
            self._methods[method] = self._methods.get(method, 0) + 1
            if write:
                self._writes += 1
                self._write_routes[route_key] = self._write_routes.get(route_key, 0) + 1
            self._counters[route_key] = self._counters.get(route_key, 0) + 1
            self._requests.append(entry)
            self._timeline.append(short)
            latency = self.config["latency"]
            limit = self.config["rate_limit"]
            if limit:
                window = self._rl_window
                while window and window[0] <= now - 1.0:
                    window.popleft()
                if len(window) >= limit:
                    retry_after = int(self.config["rate_limit_retry_after"]) or max(
                        1, int(math.ceil(window[0] + 1.0 - now)))
                    self._throttled += 1
                    self._throttled_routes[route_key] = self._throttled_routes.get(route_key, 0) + 1
                    if write:
                        self._throttled_writes += 1
                    entry["throttled"] = short["throttled"] = True
                    return entry, None, latency, retry_after
                window.append(now)
            fault = None
            for f in self._faults:
                if f.matches(method, route_key, path):
                    if f.after > 0:  # lets the first `after` matching requests through
                        f.after -= 1
                        continue
                    fault = f
                    if f.times is not None:
                        f.times -= 1
                        if f.times <= 0:
                            self._faults.remove(f)
                    break
        return entry, fault, latency, None

    @staticmethod
    def _done(entry, status):
        entry["status"] = entry["_short"]["status"] = status

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
        task = self._tasks.get(task_id.lower())
        if task is None:
            raise SandboxError(404, "TaskNotFound", "Task %s not found" % task_id)
        return task

    def api_get_task(self, params, query, body):
        with self._lock:
            return 200, RawJSON(self._get_task(params["task_id"]).render_json(self.now_us(), self._off_us()))

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
        off_us = self._off_us()  # the filters speak the API's clock
        from_us = None if from_us is None else from_us - off_us
        to_us = None if to_us is None else to_us - off_us
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
            return 200, _collection(len(matched), matched[offset:offset + limit], now_us, self._off_us())

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
            return 200, _collection(len(matched), matched[offset:offset + limit], now_us, self._off_us())

    def _ack(self, task, now_us):
        if task.ack_us is None:
            task.ack_us = now_us
            task.ack_by = self.user_id

    def api_ack_one(self, params, query, body):
        with self._lock:
            task = self._get_task(params["task_id"])
            now_us = self.now_us()
            self._ack(task, now_us)
            return 200, RawJSON(task.render_json(now_us, self._off_us()))

    def _ack_matching(self, project_id, region_id, task_ids=None):
        now_us = self.now_us()
        if task_ids is not None:
            candidates = [self._tasks[i.lower()] for i in task_ids if i.lower() in self._tasks]
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

    # resources (every kind of KINDS) -------------------------------------
    def _new_res(self, kind, res_id, name, project_id, region_id, task, tags):
        res = _Res()
        res.kind, res.id, res.name = kind, res_id, name
        res.project_id, res.region_id = project_id, region_id
        res.create_task, res.delete_task = task, None
        res.tags = dict(tags) if isinstance(tags, dict) else {}
        res.created_us = res.updated_us = task.created_us
        res.network_id = res.subnet_id = res.instance_id = None
        res.ports = []
        res.extra = {}
        self._res[res_id] = res
        self._store[kind][res_id] = res
        return res

    @staticmethod
    def _phase(res, now_us):
        """creating, ready, deleting, error, error_deleting; None once gone (delete task FINISHED)."""
        cstate = res.create_task.state_at(now_us)[0]
        if cstate in ("NEW", "RUNNING"):
            return "creating"
        if res.delete_task is not None:
            dstate = res.delete_task.state_at(now_us)[0]
            if dstate == "FINISHED":
                return None
            return "error_deleting" if dstate == "ERROR" else "deleting"
        return "error" if cstate == "ERROR" else "ready"

    def _listed(self, res, now_us):
        """Whether the API shows the resource yet (configure(listed_from=...))."""
        hidden = HIDDEN_WHILE[self.config["listed_from"]]
        return not hidden or res.create_task.state_at(now_us)[0] not in hidden

    def _holds(self, res, now_us):
        """Whether the resource exists and holds what it uses (ports, attachments, a subnet).

        A resource whose create task failed holds nothing: its ports and attachments were
        released, so it blocks no delete."""
        return self._phase(res, now_us) in ("creating", "ready", "deleting")

    def _attached_to(self, res, now_us):
        """The instance a volume or floating IP is attached to now, or None."""
        if res.instance_id is None:
            return None
        inst = self._res.get(res.instance_id)
        if inst is None or not self._holds(inst, now_us) or not self._holds(res, now_us):
            return None
        return inst

    def _status(self, res, phase, now_us):
        if phase == "ready":
            if res.kind == "volumes" and self._attached_to(res, now_us) is not None:
                return "in-use"
            if res.kind == "floatingips" and self._attached_to(res, now_us) is None:
                return "DOWN"
        return STATUSES[res.kind][phase]

    def _render(self, res, phase, now_us):
        off = self._off_us()
        status = self._status(res, phase, now_us)
        task_id = res.create_task.id if phase == "creating" else (
            res.delete_task.id if phase == "deleting" else None)
        tags = [{"key": k, "value": v, "read_only": False} for k, v in res.tags.items()]
        e = res.extra
        if res.kind == "volumes":
            inst = self._attached_to(res, now_us)
            attachments = []
            if inst is not None:
                attachments.append({
                    "attachment_id": e["attachment_id"], "volume_id": res.id, "server_id": inst.id,
                    "instance_name": inst.name, "device": e.get("device"),
                    "attached_at": fmt_ts_volume(e["attached_us"] + off),
                    "flavor_id": inst.extra.get("flavor")})
            return {
                "id": res.id, "name": res.name, "size": e["size"], "status": status,
                "project_id": res.project_id, "region_id": res.region_id, "region": REGION_NAME,
                "volume_type": e["type_name"], "bootable": e["bootable"],
                "is_root_volume": e.get("boot_index") == 0 and inst is not None,
                "tags": tags, "created_at": fmt_ts_volume(res.created_us + off),
                "updated_at": fmt_ts_volume(res.updated_us + off),
                "creator_task_id": res.create_task.id, "task_id": task_id,
                "attachments": attachments, "snapshot_ids": [], "limiter_stats": None,
                "volume_image_metadata": None,
            }
        doc = {"id": res.id}
        if res.kind != "floatingips":
            doc["name"] = res.name
        doc.update({
            "status": status, "project_id": res.project_id, "region_id": res.region_id,
            "region": REGION_NAME, "tags": tags, "created_at": fmt_ts(res.created_us + off),
            "updated_at": fmt_ts(res.updated_us + off), "creator_task_id": res.create_task.id,
            "task_id": task_id})
        if res.kind == "instances":
            addresses = {}
            for port in res.ports:
                net = self._res.get(port["network_id"] or "")
                label = net.name if net is not None else (port["network_id"] or "external")
                addresses.setdefault(label, []).append(
                    {"addr": port["ip_address"], "type": "fixed", "subnet_id": port["subnet_id"]})
            doc.update({
                "flavor": {"flavor_id": e.get("flavor"), "flavor_name": e.get("flavor")},
                "vm_state": {"creating": "building", "deleting": "active", "ready": "active"}.get(phase, "error"),
                "task_state": {"creating": "spawning", "deleting": "deleting"}.get(phase),
                "addresses": addresses, "ports": [dict(p) for p in res.ports],
                "volumes": [{"id": v.id, "delete_on_termination": v.extra.get("delete_on_termination", False)}
                            for v in self._store["volumes"].values()
                            if v.instance_id == res.id and self._holds(v, now_us)],
                "security_groups": [], "ssh_key_name": e.get("ssh_key_name"),
                "instance_description": None, "blackhole_ports": [], "ddos_profile": None,
                "instance_isolation": None})
        elif res.kind == "networks":
            doc.update({
                "subnets": [s.id for s in self._store["subnets"].values()
                            if s.network_id == res.id and self._holds(s, now_us)],
                "mtu": 1450, "type": e.get("type", "vxlan"), "external": False, "shared": False,
                "default": False, "port_security_enabled": True, "segmentation_id": e.get("segmentation_id")})
        elif res.kind == "subnets":
            doc.update({
                "network_id": res.network_id, "cidr": e.get("cidr"), "ip_version": e.get("ip_version", 4),
                "enable_dhcp": e.get("enable_dhcp", True), "gateway_ip": e.get("gateway_ip"),
                "dns_nameservers": list(e.get("dns_nameservers") or []), "host_routes": [],
                "has_router": any(any(p["subnet_id"] == res.id for p in rt.ports)
                                  for rt in self._store["routers"].values() if self._holds(rt, now_us)),
                "available_ips": None, "total_ips": None})
        elif res.kind == "floatingips":
            inst = self._attached_to(res, now_us)
            doc.update({
                "floating_ip_address": e["address"],
                "port_id": e.get("port_id") if inst is not None else None,
                "fixed_ip_address": e.get("fixed_ip_address") if inst is not None else None,
                "instance": {"id": inst.id, "name": inst.name} if inst is not None else None,
                "router_id": None})
        elif res.kind == "loadbalancers":
            doc.update({
                "provisioning_status": status, "operating_status": "ONLINE" if phase == "ready" else "OFFLINE",
                "vip_address": e["vip_address"], "vip_port_id": e["vip_port_id"],
                "vip_network_id": res.network_id, "vip_subnet_id": res.subnet_id,
                "listeners": [dict(listener) for listener in e["listeners"]], "floating_ips": [],
                "additional_vips": [], "admin_state_up": True, "flavor": None})
        elif res.kind == "k8s_clusters":
            doc.update({
                "version": e.get("version"), "keypair": e.get("keypair"), "is_public": False,
                "pools": [dict(pool, status=status) for pool in e["pools"]],
                "fixed_network": res.network_id, "fixed_subnet": res.subnet_id})
        elif res.kind == "routers":
            doc.update({
                "interfaces": [{"port_id": p["port_id"], "network_id": p["network_id"], "subnet_id": p["subnet_id"],
                                "mac_address": p["mac_address"],
                                "ip_assignments": [{"ip_address": p["ip_address"], "subnet_id": p["subnet_id"]}]}
                               for p in res.ports],
                "external_gateway_info": ({"network_id": res.network_id, "enable_snat": True,
                                           "external_fixed_ips": []} if res.network_id else None),
                "distributed": False, "routes": []})
        return doc

    def _ip(self):
        n = next(self._ips)
        return "10.%d.%d.%d" % ((n >> 16) & 255, (n >> 8) & 255, n & 255 or 1)

    def _first_subnet(self, network_id, project_id, region_id, now_us):
        for sub in self._store["subnets"].values():
            if sub.network_id == network_id and sub.project_id == project_id \
                    and sub.region_id == region_id and self._holds(sub, now_us):
                return sub
        return None

    def _port(self, network_id=None, subnet_id=None, port_id=None):
        return {"port_id": port_id or str(uuid.uuid4()), "network_id": network_id, "subnet_id": subnet_id,
                "ip_address": self._ip(), "mac_address": "fa:16:3e:%02x:%02x:%02x" % tuple(os.urandom(3))}

    def _attach_volume(self, vol, inst_id, now_us, boot_index=None, delete_on_termination=False):
        vol.instance_id = inst_id
        vol.extra.update(attachment_id=str(uuid.uuid4()), attached_us=now_us, boot_index=boot_index,
                         delete_on_termination=bool(delete_on_termination),
                         device="/dev/vd%s" % "abcdefghijklmnop"[min(len(
                             [v for v in self._store["volumes"].values() if v.instance_id == inst_id]) - 1, 15)])

    def _create(self, kind, project_id, region_id, payload):
        """Accept a create call (lock held): the task and the resource, 'creating' from now on."""
        spec = KINDS[kind]
        name = payload.get("name")
        now_us = self.now_us()
        if not isinstance(name, str) or not name:
            name = None if kind == "floatingips" else "%s-%s" % (kind.rstrip("s"), uuid.uuid4().hex[:8])
        if spec["by"] == "name":
            for other in self._store[kind].values():
                if other.name == name and other.project_id == project_id and other.region_id == region_id \
                        and self._phase(other, now_us) is not None:
                    raise SandboxError(409, "ClusterAlreadyExists",
                                       "Cluster with name '%s' already exists in region %d" % (name, region_id))
        fail = isinstance(name, str) and name.startswith(FAIL_PREFIX)
        res_id = str(uuid.uuid4())
        resources = {kind: [res_id]}
        task = self._new_task(
            spec["create_type"], project_id, region_id, copy.deepcopy(payload),
            _secs_to_us(self.config["volume_queue"], "volume_queue"),
            _secs_to_us(self.config["volume_duration"] * spec["factor"], "duration"),
            outcome="ERROR" if fail else "FINISHED",
            error=(FAIL_ERROR_TEXT if kind == "volumes" else "Quota exceeded: %s" % kind) if fail else None,
            resources=resources)
        res = self._new_res(kind, res_id, name, project_id, region_id, task, payload.get("tags"))
        getattr(self, "_build_" + kind)(res, payload, resources, task, now_us)
        return task

    def _build_volumes(self, res, payload, resources, task, now_us):
        res.extra.update(size=payload.get("size", 1), type_name=payload.get("type_name", "standard"),
                         bootable=payload.get("source") == "image", source=payload.get("source"))
        target = payload.get("instance_id_to_attach_to")
        if isinstance(target, str) and target:
            self._attach_volume(res, target, now_us)

    def _build_instances(self, res, payload, resources, task, now_us):
        res.extra.update(flavor=payload.get("flavor"), ssh_key_name=payload.get("ssh_key_name"))
        volumes = payload.get("volumes")
        if not isinstance(volumes, list) or not volumes:
            volumes = [{"source": "image", "boot_index": 0, "delete_on_termination": True}]
        resources["volumes"] = []
        for index, body in enumerate(volumes):
            body = body if isinstance(body, dict) else {}
            boot_index = body.get("boot_index", 0 if index == 0 else None)
            existing = self._store["volumes"].get(body.get("volume_id") or "")
            if body.get("source") == "existing-volume" and existing is not None:
                self._attach_volume(existing, res.id, now_us, boot_index, body.get("delete_on_termination"))
                continue
            vol = self._new_res("volumes", str(uuid.uuid4()),
                                body.get("name") or "%s-volume-%d" % (res.name, index),
                                res.project_id, res.region_id, task, body.get("tags"))
            vol.extra.update(size=body.get("size", 1), type_name=body.get("type_name", "standard"),
                             bootable=body.get("source") in ("image", "snapshot"), source=body.get("source"))
            self._attach_volume(vol, res.id, now_us, boot_index, body.get("delete_on_termination"))
            resources["volumes"].append(vol.id)
        interfaces = payload.get("interfaces")
        if not isinstance(interfaces, list) or not interfaces:
            interfaces = [{"type": "external"}]
        resources["ports"] = []
        for iface in interfaces:
            iface = iface if isinstance(iface, dict) else {}
            kind = iface.get("type")
            if kind == "subnet":
                sub = self._store["subnets"].get(iface.get("subnet_id") or "")
                port = self._port(sub.network_id if sub is not None else iface.get("network_id"),
                                  iface.get("subnet_id"))
            elif kind == "any_subnet":
                sub = self._first_subnet(iface.get("network_id"), res.project_id, res.region_id, now_us)
                port = self._port(iface.get("network_id"), sub.id if sub is not None else None)
            elif kind == "reserved_fixed_ip":
                port = self._port(port_id=iface.get("port_id"))
            else:
                port = self._port()
            res.ports.append(port)
            resources["ports"].append(port["port_id"])
            fip_body = iface.get("floating_ip")
            if isinstance(fip_body, dict) and fip_body.get("source") == "new":
                fip = self._new_res("floatingips", str(uuid.uuid4()), None, res.project_id, res.region_id,
                                    task, None)
                fip.extra.update(address=self._fip_address(), port_id=port["port_id"],
                                 fixed_ip_address=port["ip_address"])
                fip.instance_id = res.id
                resources.setdefault("floatingips", []).append(fip.id)
            elif isinstance(fip_body, dict) and fip_body.get("source") == "existing":
                fip = self._store["floatingips"].get(fip_body.get("existing_floating_id") or "")
                if fip is not None:
                    fip.instance_id = res.id
                    fip.extra.update(port_id=port["port_id"], fixed_ip_address=port["ip_address"])

    def _fip_address(self):
        n = next(self._ips)
        return "203.0.%d.%d" % ((n >> 8) & 255, n & 255 or 1)

    def _build_networks(self, res, payload, resources, task, now_us):
        res.extra.update(type=payload.get("type", "vxlan"), segmentation_id=1000 + len(self._store["networks"]))
        if self.config["network_router"] and payload.get("create_router", True) is not False:
            # made by the network's task, which names only the network in created_resources
            router = self._new_res("routers", str(uuid.uuid4()), "%s-router" % res.name, res.project_id,
                                   res.region_id, task, None)
            router.network_id = res.id
            router.extra["made_with_network"] = res.id

    def _build_subnets(self, res, payload, resources, task, now_us):
        res.network_id = payload.get("network_id")
        if payload.get("connect_to_network_router", True) is not False:
            for router in self._store["routers"].values():
                if router.extra.get("made_with_network") == res.network_id and self._holds(router, now_us):
                    router.ports.append(self._port(res.network_id, res.id))
        cidr = payload.get("cidr")
        gateway = payload.get("gateway_ip")
        if gateway is None and isinstance(cidr, str):
            try:
                gateway = str(next(ipaddress.ip_network(cidr, strict=False).hosts()))
            except (ValueError, StopIteration):
                gateway = None
        res.extra.update(cidr=cidr, ip_version=payload.get("ip_version", 4), gateway_ip=gateway,
                         enable_dhcp=payload.get("enable_dhcp", True), dns_nameservers=payload.get("dns_nameservers"))

    def _build_floatingips(self, res, payload, resources, task, now_us):
        res.extra.update(address=self._fip_address(), port_id=payload.get("port_id"),
                         fixed_ip_address=payload.get("fixed_ip_address"))
        port_id = payload.get("port_id")
        if port_id:
            for inst in self._store["instances"].values():
                if self._holds(inst, now_us) and any(p["port_id"] == port_id for p in inst.ports):
                    res.instance_id = inst.id
                    if not res.extra["fixed_ip_address"]:
                        res.extra["fixed_ip_address"] = [p for p in inst.ports if p["port_id"] == port_id][0][
                            "ip_address"]
                    break

    def _build_loadbalancers(self, res, payload, resources, task, now_us):
        res.subnet_id = payload.get("vip_subnet_id")
        res.network_id = payload.get("vip_network_id")
        sub = self._store["subnets"].get(res.subnet_id or "")
        if sub is not None and res.network_id is None:
            res.network_id = sub.network_id
        if res.subnet_id is None and res.network_id is not None:
            sub = self._first_subnet(res.network_id, res.project_id, res.region_id, now_us)
            res.subnet_id = sub.id if sub is not None else None
        listeners = [body for body in payload.get("listeners") or [] if isinstance(body, dict)]
        resources["listeners"] = [str(uuid.uuid4()) for _unused in listeners]
        resources["pools"] = [str(uuid.uuid4()) for body in listeners for _unused in body.get("pools") or []]
        res.extra.update(vip_address=self._ip(), vip_port_id=str(uuid.uuid4()),
                         listeners=[{"id": lid, "name": body.get("name")}
                                    for lid, body in zip(resources["listeners"], listeners)])

    def _build_k8s_clusters(self, res, payload, resources, task, now_us):
        pools = [body for body in payload.get("pools") or [] if isinstance(body, dict)] or [{"name": "pool-1"}]
        resources["k8s_pools"] = [str(uuid.uuid4()) for _unused in pools]
        res.network_id = payload.get("fixed_network")
        res.subnet_id = payload.get("fixed_subnet")
        res.extra.update(version=payload.get("version"), keypair=payload.get("keypair"), pools=[
            {"id": pid, "name": body.get("name"), "flavor_id": body.get("flavor_id"),
             "min_node_count": body.get("min_node_count", 1), "max_node_count": body.get("max_node_count", 1),
             "node_count": body.get("min_node_count", 1)} for pid, body in zip(resources["k8s_pools"], pools)])

    def _build_routers(self, res, payload, resources, task, now_us):
        for iface in payload.get("interfaces") or []:
            if isinstance(iface, dict) and iface.get("subnet_id"):
                sub = self._store["subnets"].get(iface["subnet_id"])
                res.ports.append(self._port(sub.network_id if sub is not None else None, iface["subnet_id"]))
        gateway = payload.get("external_gateway_info")
        if isinstance(gateway, dict) and gateway.get("network_id"):
            res.network_id = gateway["network_id"]

    def _find(self, kind, params, now_us):
        """(resource, phase) of the path's resource; 404 when unknown, gone, or elsewhere."""
        project_id = self._path_int(params, "project_id")
        region_id = self._path_int(params, "region_id")
        ref = params.get("resource_id") or params.get("volume_id")
        res = None
        if KINDS[kind]["by"] == "name":
            for other in reversed(list(self._store[kind].values())):
                if other.name == ref and other.project_id == project_id and other.region_id == region_id \
                        and self._phase(other, now_us) is not None:
                    res = other
                    break
        else:
            res = self._store[kind].get(ref)
        phase = self._phase(res, now_us) if res is not None else None
        if phase is None or res.project_id != project_id or res.region_id != region_id \
                or not self._listed(res, now_us):
            raise SandboxError(404, KINDS[kind]["not_found"], "%s %s not found" % (LABELS[kind], ref))
        return res, phase

    def _users(self, res, now_us):
        """The resources that keep a subnet or a network from being deleted."""
        out = []
        for other in self._res.values():
            if other is res or other.project_id != res.project_id or other.region_id != res.region_id \
                    or other.kind in ("volumes", "floatingips", "networks") or not self._holds(other, now_us):
                continue
            if res.kind == "subnets":
                used = any(p["subnet_id"] == res.id for p in other.ports) or other.subnet_id == res.id
            else:
                used = other.network_id == res.id or any(p["network_id"] == res.id for p in other.ports)
            if used:
                out.append(other)
        return out

    def _delete(self, kind, params, query):
        spec = KINDS[kind]
        q = _Query(query)
        volume_ids = [v for item in q.str_list("volumes") for v in item.split(",") if v]
        delete_floatings = q.bool_one("delete_floatings")
        snapshots = q.str_one("snapshots")
        q.check()
        with self._lock:
            now_us = self.now_us()
            res, phase = self._find(kind, params, now_us)
            label = "%s %s" % (LABELS[kind], res.id)
            if kind == "volumes" and phase not in ("ready", "error") or \
                    kind == "volumes" and self._attached_to(res, now_us) is not None:
                raise SandboxError(
                    409, "VolumeInvalidState",
                    "Volume %s is in status '%s'; it must be 'available' (not attached to an instance) "
                    "to be deleted" % (res.id, self._status(res, phase, now_us)))
            if phase not in ("ready", "error"):
                raise SandboxError(409, "InvalidState", "%s is in status '%s': another task (%s) is working on it"
                                   % (label, self._status(res, phase, now_us),
                                      (res.create_task if phase == "creating" else res.delete_task).id))
            if kind in ("subnets", "networks"):
                users = self._users(res, now_us)
                if kind == "networks":
                    users = [s for s in self._store["subnets"].values() if s.network_id == res.id
                             and s.project_id == res.project_id and s.region_id == res.region_id
                             and self._holds(s, now_us)] + users
                if users:
                    names = ", ".join("%s %s" % (u.kind, u.id) for u in users)
                    if kind == "subnets":
                        raise SandboxError(409, "SubnetInUse", "Unable to complete operation on subnet %s: one or "
                                           "more ports have an IP allocation from this subnet (%s)" % (res.id, names))
                    raise SandboxError(409, "NetworkInUse", "Unable to complete operation on network %s: there "
                                       "are one or more subnets, routers or ports still in use on the network (%s)"
                                       % (res.id, names))
            data = {"id": res.id, kind.rstrip("s") + "_id": res.id}
            if kind == "volumes":
                data = {"volume_id": res.id, "snapshots": snapshots}
            elif kind == "instances":
                data.update(volumes=volume_ids, delete_floatings=bool(delete_floatings))
            elif kind == "k8s_clusters":
                data["cluster_name"] = res.name
            task = self._new_task(
                spec["delete_type"], res.project_id, res.region_id, data,
                _secs_to_us(self.config["volume_queue"], "volume_queue"),
                _secs_to_us(self.config["volume_duration"] * spec["factor"], "duration"))
            res.delete_task = task
            res.updated_us = now_us
            if kind == "instances":
                for vol in self._store["volumes"].values():
                    if vol.instance_id == res.id and self._phase(vol, now_us) in ("ready", "error") and (
                            vol.id in volume_ids or vol.extra.get("delete_on_termination")):
                        vol.delete_task, vol.updated_us = task, now_us
                for fip in self._store["floatingips"].values():
                    if delete_floatings and fip.instance_id == res.id \
                            and self._phase(fip, now_us) in ("ready", "error"):
                        fip.delete_task, fip.updated_us = task, now_us
            return 200, {"tasks": [task.id]}

    @staticmethod
    def _tag_filter(q, name):
        text = q.str_one(name)
        if text is None or not text.strip():
            return None
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
            if "=" in text:  # key=value, as a hand-written query might say
                key, _sep, value = text.partition("=")
                parsed = {key: value}
        if not isinstance(parsed, dict) or not all(isinstance(v, str) for v in parsed.values()):
            q.errors[name] = 'Input should be a JSON object of tag key -> value, e.g. {"env": "prod"}'
            return None
        return parsed

    def _list(self, kind, params, query):
        project_id = self._path_int(params, "project_id")
        region_id = self._path_int(params, "region_id")
        q = _Query(query)
        limit = q.int_one("limit", 1000, exclusive_min=0, maximum=1000)
        offset = q.int_one("offset", 0, minimum=0)
        filters = []
        for param, how in KINDS[kind]["filters"].items():
            value = self._tag_filter(q, param) if how == "tags" else q.str_one(param)
            if value:
                filters.append((how, value))
        q.check()
        with self._lock:
            now_us = self.now_us()
            out = []
            for res in self._store[kind].values():
                if res.project_id != project_id or res.region_id != region_id:
                    continue
                phase = self._phase(res, now_us)
                if phase is None or not self._listed(res, now_us) \
                        or not all(self._matches(res, how, value, now_us) for how, value in filters):
                    continue
                out.append((res, phase))
            page = [self._render(res, phase, now_us) for res, phase in out[offset:offset + limit]]
            return 200, {"count": len(out), "results": page}

    def _matches(self, res, how, value, now_us):
        if how == "substring":
            return value.lower() in (res.name or "").lower()
        if how == "exact":
            return res.name == value
        if how == "tags":
            return all(res.tags.get(k) == v for k, v in value.items())
        if how == "instance":
            inst = self._attached_to(res, now_us)
            return inst is not None and inst.id == value
        if how == "network":
            return res.network_id == value
        raise AssertionError(how)

    def _get(self, kind, params):
        with self._lock:
            now_us = self.now_us()
            res, phase = self._find(kind, params, now_us)
            return 200, self._render(res, phase, now_us)

    def api_create_volume(self, params, query, body):
        project_id = self._path_int(params, "project_id")
        region_id = self._path_int(params, "region_id")
        payload = _json_body(body)
        self._validate_volume_body(payload)
        _refuse_by_name(payload.get("name"))
        with self._lock:
            task = self._create("volumes", project_id, region_id, payload)
        return _answer_tasks(payload.get("name"), [task.id])

    def _write_create(self, kind, params, body):
        spec = KINDS[kind]
        project_id = self._path_int(params, "project_id")
        region_id = self._path_int(params, "region_id")
        payload = _json_body(body)
        if not isinstance(payload, dict):
            raise _validation({"body": "Input should be a valid object"})
        name = payload.get("name")
        if spec["named"] and (not isinstance(name, str) or not name):
            raise _validation({"name": "Field required"})
        if "tags" in payload and not _valid_tags(payload["tags"], allow_null_values=False):
            raise _validation({"tags": "Input should be an object of tag key -> tag value"})
        _refuse_by_name(name)
        with self._lock:
            task = self._create(kind, project_id, region_id, payload)
        return _answer_tasks(name, [task.id])

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
            vol, phase = self._find("volumes", params, now_us)
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
            return 200, self._render(vol, phase, now_us)

    _HANDLERS = {
        "GET /cloud/v1/tasks": "api_list_tasks",
        "POST /cloud/v1/tasks/acknowledge_all": "api_ack_all",
        "POST /cloud/v1/tasks/acknowledge": "api_ack_deprecated",
        "GET /cloud/v1/tasks/{project_id}/{region_id}/active": "api_active",
        "POST /cloud/v1/tasks/{task_id}/acknowledge": "api_ack_one",
        "GET /cloud/v1/tasks/{task_id}": "api_get_task",
        "POST /cloud/v1/volumes/{project_id}/{region_id}": "api_create_volume",
        "GET /cloud/v1/volumes/{project_id}/{region_id}": "api_list_volumes",
        "GET /cloud/v1/volumes/{project_id}/{region_id}/{volume_id}": "api_get_volumes",
        "PATCH /cloud/v1/volumes/{project_id}/{region_id}/{volume_id}": "api_patch_volume",
        "DELETE /cloud/v1/volumes/{project_id}/{region_id}/{volume_id}": "api_delete_volumes",
    }

    for _kind, _spec in WRITE_KINDS.items():
        _HANDLERS["POST %s/{project_id}/{region_id}" % _spec["create"]] = "api_create_" + _kind
        _HANDLERS["GET %s/{project_id}/{region_id}" % _spec["list"]] = "api_list_" + _kind
        _HANDLERS["GET %s/{project_id}/{region_id}/{resource_id}" % _spec["list"]] = "api_get_" + _kind
        _HANDLERS["DELETE %s/{project_id}/{region_id}/{resource_id}" % _spec["list"]] = "api_delete_" + _kind

    # ------------------------------------------------------------ control API over HTTP
    def control(self, method, path, body, query=""):
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
            if path == "/_sandbox/crowd" and method == "POST":
                if not isinstance(payload, dict):
                    raise ValueError("body must be an object")
                return 200, {"tasks": self.crowd(**payload)}
            if path == "/_sandbox/resources" and method == "GET":
                q = urllib.parse.parse_qs(query)
                return 200, {"resources": self.resources(
                    q.get("kind", [None])[-1],
                    int(q["project_id"][-1]) if "project_id" in q else None,
                    int(q["region_id"][-1]) if "region_id" in q else None,
                    q.get("include_gone", ["false"])[-1].lower() in ("1", "true", "yes"))}
            if path == "/_sandbox/timeline" and method == "GET":
                q = urllib.parse.parse_qs(query)
                return 200, {"requests": self.timeline(
                    float(q["since"][-1]) if "since" in q else None,
                    float(q["until"][-1]) if "until" in q else None)}
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


def _handlers_for(kind):
    def create(self, params, query, body):
        return self._write_create(kind, params, body)

    def listing(self, params, query, body):
        return self._list(kind, params, query)

    def get(self, params, query, body):
        return self._get(kind, params)

    def delete(self, params, query, body):
        return self._delete(kind, params, query)

    return {"create": create, "list": listing, "get": get, "delete": delete}


for _kind in KINDS:
    for _verb, _handler in _handlers_for(_kind).items():
        if not (_kind == "volumes" and _verb == "create"):
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


def _collection(count, tasks, now_us, off_us=0):
    return RawJSON('{"count":%d,"results":[%s]}'
                   % (count, ",".join(t.render_json(now_us, off_us) for t in tasks)))


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
    # The stdlib's listen backlog of 5 resets connections when a fleet (40 hosts x 8) connects at
    # once; the real API's front queues them.
    request_queue_size = 1024
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

    def date_time_string(self, timestamp=None):
        """The Date header on the API's clock (host clock + clock_offset)."""
        if timestamp is None:
            timestamp = self.server.sandbox.api_now()
        return email.utils.formatdate(timestamp, usegmt=True)

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
            status, payload = sb.control(self.command, path, body, query)
            self._send(status, payload)
            return
        request_id = str(uuid.uuid4())
        method = self.command
        route_key, params = match_route(method, path)
        if not path.startswith("/cloud/"):
            self._send_error(SandboxError(404, "NotFound", "No route %s %s" % (method, path)),
                             request_id)
            return
        entry, fault, latency, retry_after = sb._record(
            method, route_key, path, query, dict(self.headers.items()), body, "%s:%s" % self.client_address[:2])
        if latency:
            sb._stopping.wait(latency)
        if retry_after is not None:  # the account's rate limit: refused, not processed
            sb._done(entry, 429)
            self._send(429, {"exception_class": "Throttled",
                             "message": "Request was throttled. Expected available in %d seconds." % retry_after,
                             "request_id": request_id},
                       headers={"Retry-After": str(retry_after)}, request_id=request_id)
            return
        if fault is not None:
            status = self._apply_fault(fault, request_id)
            if status is not None:
                sb._done(entry, status)
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
            sb._done(entry, exc.status)
            self._send_error(exc, request_id)
            return
        except Exception as exc:  # pragma: no cover - a sandbox bug, still answer JSON
            sb._done(entry, 500)
            self._send_error(SandboxError(500, "InternalServerError", repr(exc)), request_id)
            return
        sb._done(entry, status)
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
    parser.add_argument("--rate-limit", type=float, default=0.0,
                        help="account-wide /cloud/ requests per second (429 + Retry-After beyond it; 0 = off)")
    parser.add_argument("--clock-offset", type=float, default=0.0,
                        help="seconds added to the API's timestamps and Date header")
    parser.add_argument("--upper-task-ids", action="store_true", help="answer task IDs in upper case")
    args = parser.parse_args(argv)

    try:
        sandbox = Sandbox(api_key=args.api_key, host=args.host, port=args.port,
                          volume_duration=args.volume_duration,
                          volume_queue=args.volume_queue, latency=args.latency)
        sandbox.configure(rate_limit=args.rate_limit, clock_offset=args.clock_offset,
                          upper_task_ids=args.upper_task_ids)
        sandbox._defaults.update(rate_limit=args.rate_limit, clock_offset=args.clock_offset,
                                 upper_task_ids=args.upper_task_ids)
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
