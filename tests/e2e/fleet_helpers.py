# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers of the fleet and cancel end-to-end tests and of tests/bench/bench_fleet.py (not collected by pytest).

A fleet is an inventory of local hosts (ansible_connection: local) run with one fork per host,
all against one sandbox account, as tens of hosts of one AWX job share one API key.
"""

import datetime
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "tests" / "sandbox"))

from gcore_sandbox import Sandbox  # noqa: E402  pylint: disable=wrong-import-position

API_KEY = "fleet-SECRET-key-2b7e4c19"
VOLUMES = "/cloud/v1/volumes/{project_id}/{region_id}"
CREATE_ROUTE = "POST " + VOLUMES
TASK_ROUTES = ("GET /cloud/v1/tasks", "GET /cloud/v1/tasks/{task_id}",
               "GET /cloud/v1/tasks/{project_id}/{region_id}/active")
# The calls gcore_request sends at the same time (POOL_MAXSIZE): one wave of writes.
WAVE = 8
# Every process a test starts carries this variable, so the test finds (and ends) only its own.
MARKER_ENV = "GCORE_FLEET_TEST_RUN"


def volume(name, **extra):
    """A create-volume body the sandbox accepts."""
    return dict(source="new-volume", name=name, size=1, **extra)


def bodies_yaml(count, indent=10):
    """YAML list items of C(count) create-volume bodies named after the host (-v00, -v01, ...)."""
    return "\n".join(" " * indent + '- {source: new-volume, size: 1, name: "{{ inventory_hostname }}-v%02d"}' % number
                     for number in range(count))


def wait_bound(tasks, elapsed, sleep):
    """The issue's request bound of one wait on C(tasks) tasks that took C(elapsed) s at wait_sleep C(sleep):
    tasks + 2 x rounds + 10, as a wait of fixed wait_sleep polls at most once per wait_sleep, plus its first round
    and the last one."""
    rounds = 2 + int(elapsed / sleep)
    return tasks + 2 * rounds + 10


def start_sandbox(**kwargs):
    """A started sandbox (its timeline keeps every request of a fleet's run)."""
    api = Sandbox(api_key=API_KEY, **kwargs)
    api.start()
    return api


# ---------------------------------------------------------------- sandbox switches (see tests/sandbox/README.md)

def rate_limit(sandbox, per_second):
    """Answer 429 with Retry-After to /cloud/ requests beyond C(per_second) a second, account-wide (None: off)."""
    sandbox.configure(rate_limit=per_second)


def crowd(sandbox, count, project_id, region_id, task_type="create_volume", spread=0.0, chunks=10):
    """Seed C(count) tasks that stay RUNNING in one project/region, created over the last C(spread) seconds."""
    if not hasattr(sandbox, "crowd"):  # a sandbox before its crowd switch
        spec = {"task_type": task_type, "duration": None, "project_id": project_id, "region_id": region_id}
        return sandbox.add_tasks([dict(spec, created_offset=-spread * (index * chunks // count) / chunks)
                                  for index in range(count)])
    if not spread:
        return sandbox.crowd(count, task_type=task_type, project_id=project_id, region_id=region_id)
    ids = []
    for chunk in range(chunks):
        ids += sandbox.crowd(count // chunks, task_type=task_type, project_id=project_id, region_id=region_id,
                             created_offset=-spread * chunk / chunks)
    return ids


def timeline(sandbox, since=None):
    """Every request the sandbox received (since C(since), epoch seconds), oldest first; C(t) is its time."""
    if not hasattr(sandbox, "timeline"):  # a sandbox before its timeline: the request log
        entries = sandbox.requests()
        for entry in entries:
            moment = datetime.datetime.strptime(entry["time"], "%Y-%m-%dT%H:%M:%S.%f")
            entry["t"] = moment.replace(tzinfo=datetime.timezone.utc).timestamp()
        return [entry for entry in entries if since is None or entry["t"] >= since]
    return sandbox.timeline(since=since)


def task_reads(sandbox):
    """Requests to the task endpoints (reads by ID, lists, active lists) counted by the sandbox."""
    routes = sandbox.counters()["routes"]
    return sum(routes.get(route, 0) for route in TASK_ROUTES)


def volumes_named(sandbox, project_id, region_id):
    """{volume name: number of volumes of that name} in a project/region, read from the sandbox's API."""
    import requests  # pylint: disable=import-outside-toplevel

    names = {}
    offset = 0
    while True:
        page = requests.get("%s/cloud/v1/volumes/%d/%d" % (sandbox.url, project_id, region_id),
                            params={"limit": 1000, "offset": offset},
                            headers={"Authorization": "APIKey %s" % API_KEY}, timeout=30).json()
        for item in page["results"]:
            names[item["name"]] = names.get(item["name"], 0) + 1
        offset += len(page["results"])
        if not page["results"] or offset >= page["count"]:
            return names


# ---------------------------------------------------------------- running a fleet

def collections_tree(workdir, repo=REPO):
    """A collections path holding C(repo) as gcore.tasks (ANSIBLE_COLLECTIONS_PATH's when it is this repo)."""
    configured = os.environ.get("ANSIBLE_COLLECTIONS_PATH")
    if repo == REPO and configured and (Path(configured) / "ansible_collections" / "gcore" / "tasks").exists():
        return str(Path(configured).resolve())
    namespace = Path(workdir) / "collections" / "ansible_collections" / "gcore"
    namespace.mkdir(parents=True, exist_ok=True)
    link = namespace / "tasks"
    if not link.exists():
        link.symlink_to(repo)
    return str(Path(workdir) / "collections")


def write_inventory(workdir, hosts):
    """An inventory of C(hosts) local hosts named h01, h02, ... in group fleet."""
    lines = ["[fleet]"] + ["h%02d" % number for number in range(1, hosts + 1)]
    lines += ["", "[fleet:vars]", "ansible_connection=local", "ansible_python_interpreter=%s" % sys.executable]
    path = Path(workdir) / "inventory.ini"
    path.write_text("\n".join(lines) + "\n")
    return path


class Fleet(object):
    """ansible-playbook over an inventory of local hosts against one sandbox, one fork per host.

    C(collections) defaults to collections_tree(workdir); used as a context manager, it ends its processes on exit.
    """

    def __init__(self, workdir, sandbox, collections=None, hosts=40):
        self.workdir = Path(workdir)
        self.sandbox = sandbox
        self.collections = collections or collections_tree(workdir)
        self.hosts = hosts
        self.inventory = write_inventory(self.workdir, hosts)
        self.marker = uuid.uuid4().hex
        self.local_temp = self.workdir / "ansible-local"
        self.runs = 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.end_all()

    def command(self, playbook_text, extra_vars=None):
        """(argv, env, results log path) of one ansible-playbook run."""
        self.runs += 1
        playbook = self.workdir / ("playbook-%d.yml" % self.runs)
        playbook.write_text(playbook_text)
        log = self.workdir / ("results-%d.jsonl" % self.runs)
        env = dict(
            os.environ,
            ANSIBLE_COLLECTIONS_PATH=self.collections,
            PYTHONPATH=self.collections,
            ANSIBLE_CALLBACK_PLUGINS=str(HERE / "callback_plugins"),
            ANSIBLE_CALLBACKS_ENABLED="result_log",
            ANSIBLE_NOCOLOR="1",
            ANSIBLE_RETRY_FILES_ENABLED="0",
            ANSIBLE_HOST_KEY_CHECKING="0",
            ANSIBLE_FORKS=str(self.hosts),
            ANSIBLE_LOCAL_TEMP=str(self.local_temp),
            ANSIBLE_HOME=str(self.workdir / "ansible-home"),
            GCORE_API_KEY=API_KEY,
            GCORE_BASE_URL=self.sandbox.url,
            RESULT_LOG=str(log),
        )
        env[MARKER_ENV] = self.marker
        argv = [str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(self.inventory), str(playbook)]
        if extra_vars:
            argv += ["-e", json.dumps(extra_vars)]
        return argv, env, log

    def run(self, playbook_text, extra_vars=None, timeout=600):
        """Run the playbook to its end; returns (CompletedProcess, results by host of each task name)."""
        argv, env, log = self.command(playbook_text, extra_vars)
        started = time.monotonic()
        process = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout,
                                 cwd=str(self.workdir), check=False)
        process.wall = time.monotonic() - started
        return process, read_results(log)

    def start(self, playbook_text, extra_vars=None):
        """Start ansible-playbook in a process group of its own (as ansible-runner does); returns (Popen, log)."""
        argv, env, log = self.command(playbook_text, extra_vars)
        process = subprocess.Popen(argv, env=env, cwd=str(self.workdir), stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        return process, log

    def processes(self):
        """PIDs of every live process this fleet started (found by MARKER_ENV), zombies left out."""
        found = []
        wanted = ("%s=%s" % (MARKER_ENV, self.marker)).encode()
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open("/proc/%s/environ" % entry, "rb") as source:
                    if wanted not in source.read().split(b"\0"):
                        continue
                with open("/proc/%s/stat" % entry, "rb") as source:
                    if source.read().rsplit(b")", 1)[1].split()[0] == b"Z":
                        continue
            except OSError:
                continue
            found.append(int(entry))
        return found

    def module_processes(self):
        """PIDs of the fleet's live module processes (Python running an AnsiballZ wrapper of a gcore.tasks module)."""
        pids = []
        for pid in self.processes():
            try:
                with open("/proc/%d/cmdline" % pid, "rb") as source:
                    argv = source.read().split(b"\0")
            except OSError:
                continue
            # Not the shell that started it: its one argument holds the whole command line.
            if any(arg.endswith(b".py") and b"AnsiballZ_gcore_" in arg for arg in argv[1:2]):
                pids.append(pid)
        return pids

    def wait_gone(self, seconds):
        """Wait until none of the fleet's processes lives; return how long that took, or None if some still do."""
        started = time.monotonic()
        while time.monotonic() - started < seconds:
            if not self.processes():
                return time.monotonic() - started
            time.sleep(0.1)
        return None

    def end_all(self):
        """SIGKILL every process this fleet started that still lives (one by one, by PID)."""
        for pid in self.processes():
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


def read_results(log):
    """{task name: {host: result entry}} from the result_log callback's file."""
    results = {}
    if not Path(log).exists():
        return results
    for line in Path(log).read_text().splitlines():
        entry = json.loads(line)
        results.setdefault(entry["task"], {})[entry["host"]] = entry
    return results


def wait_until(condition, seconds, every=0.05):
    """Poll C(condition) until it is true (returns True) or C(seconds) passed (returns False)."""
    ends = time.monotonic() + seconds
    while time.monotonic() < ends:
        if condition():
            return True
        time.sleep(every)
    return bool(condition())
