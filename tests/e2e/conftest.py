# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures for end-to-end tests: a sandbox API per test and ansible-playbook runs against it."""

import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "tests" / "sandbox"))

from gcore_sandbox import Sandbox  # noqa: E402  pylint: disable=wrong-import-position

API_KEY = "e2e-SECRET-key-5c1f9a7b"


@pytest.fixture
def sandbox():
    """A fresh sandbox API with short volume durations, stopped after the test."""
    api = Sandbox(api_key=API_KEY, volume_duration=1.0, volume_queue=0.2)
    api.start()
    yield api
    api.stop()


class RequestClockSandbox(Sandbox):
    """A sandbox whose clock moves only with the API requests it answers: ``step`` seconds each.

    Task durations then count the client's requests, not the machine's seconds: with step 1, a
    task of duration 8 is RUNNING for the next 8 requests and FINISHED after them, however slowly
    a loaded machine starts ansible-playbook or the module. Rounds of a wait are at least
    wait_sleep apart, so a task that needs N requests to end also makes the wait last N rounds.
    ``arrivals`` holds the real time (time.time()) at which each request came in, in order.
    """

    def __init__(self, step=1.0, **kwargs):
        self.answered = 0
        self.arrivals = []
        self._step = step
        self._epoch = time.time()
        self._count_lock = threading.Lock()
        super().__init__(clock=self._now, **kwargs)

    def _now(self):
        return self._epoch + self.answered * self._step

    def _record(self, *args, **kwargs):  # pylint: disable=arguments-differ
        with self._count_lock:
            self.answered += 1
            self.arrivals.append(time.time())
        return super()._record(*args, **kwargs)


@pytest.fixture
def request_clock_sandbox():
    """A sandbox on RequestClockSandbox's clock (one second per request), stopped after the test."""
    api = RequestClockSandbox(api_key=API_KEY, volume_duration=1.0, volume_queue=0.2)
    api.start()
    yield api
    api.stop()


@pytest.fixture(scope="session")
def collections_path(tmp_path_factory):
    """A collections path holding gcore.tasks: the Makefile's, or a symlink tree made here."""
    configured = os.environ.get("ANSIBLE_COLLECTIONS_PATH")
    if configured and (Path(configured) / "ansible_collections" / "gcore" / "tasks").exists():
        return configured
    root = tmp_path_factory.mktemp("collections")
    target = root / "ansible_collections" / "gcore"
    target.mkdir(parents=True)
    (target / "tasks").symlink_to(REPO)
    return str(root)


class PlaybookRun(object):
    """The outcome of one ansible-playbook run: return code, output and every task result."""

    def __init__(self, process, results):
        self.rc = process.returncode
        self.stdout = process.stdout
        self.stderr = process.stderr
        self.results = results

    def result(self, task_name):
        """The result of the last run of the task with that name."""
        matches = [entry for entry in self.results if entry["task"] == task_name]
        assert matches, "no task named %r ran; ran: %s" % (task_name, [e["task"] for e in self.results])
        return matches[-1]


def playbook_command(tmp_path, sandbox, collections_path, playbook, log):
    """The ansible-playbook command line and environment that run C(playbook) on localhost against the
    sandbox, each task's result going to the JSON-lines file C(log)."""
    inventory = tmp_path / "inventory.ini"
    inventory.write_text("localhost ansible_connection=local ansible_python_interpreter=%s\n" % sys.executable)
    environment = dict(
        os.environ,
        ANSIBLE_COLLECTIONS_PATH=collections_path,
        ANSIBLE_CALLBACK_PLUGINS=str(HERE / "callback_plugins"),
        ANSIBLE_CALLBACKS_ENABLED="result_log",
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_RETRY_FILES_ENABLED="0",
        ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-local"),
        ANSIBLE_HOME=str(tmp_path / "ansible-home"),
        # async results under the test's own directory: "~/.ansible_async" depends on whose
        # home the remote shell and async_status each resolve (a CI user's HOME may be empty).
        ANSIBLE_ASYNC_DIR=str(tmp_path / "ansible-async"),
        GCORE_API_KEY=API_KEY,
        GCORE_BASE_URL=sandbox.url,
        RESULT_LOG=str(log),
    )
    return [str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(inventory), str(playbook)], environment


@pytest.fixture
def run_playbook(tmp_path, sandbox, collections_path):
    """Run a playbook (YAML text or a path) against the sandbox; returns a PlaybookRun."""

    def run(playbook, extra_vars=None, check=False, verbosity=0, env=None, args=(), timeout=180):
        if "\n" in str(playbook):
            path = tmp_path / "playbook.yml"
            path.write_text(textwrap.dedent(playbook))
        else:
            path = Path(playbook)
        log = tmp_path / ("results-%d.jsonl" % len(list(tmp_path.glob("results-*.jsonl"))))
        command, environment = playbook_command(tmp_path, sandbox, collections_path, path, log)
        environment.update(env or {})
        if extra_vars:
            command += ["-e", json.dumps(extra_vars)]
        if check:
            command.append("--check")
        if verbosity:
            command.append("-" + "v" * verbosity)
        command += list(args)
        process = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=timeout,
                                 cwd=str(tmp_path), check=False)
        results = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
        return PlaybookRun(process, results)

    return run
