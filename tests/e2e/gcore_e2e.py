# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers shared by the reliability/security end-to-end tests (not collected by pytest).

run_module() executes one gcore.tasks module exactly as Ansible does on the target (a
separate Python process reading its arguments from a JSON file and printing its result),
in a fraction of the time of an ansible-playbook run, so a fault matrix stays fast.
"""

import json
import os
import subprocess
import sys
import tempfile
import time

API_KEY = "e2e-SECRET-key-5c1f9a7b"
TASK_ID = "26986bc0-748a-4448-b836-0a2aa465eb06"


class ModuleRun(object):
    """The outcome of one module process: rc, the JSON result, raw output and wall time."""

    def __init__(self, process, elapsed):
        self.rc = process.returncode
        self.stdout = process.stdout
        self.stderr = process.stderr
        self.elapsed = elapsed
        try:
            self.result = json.loads(process.stdout)
        except ValueError:
            self.result = {"failed": True, "msg": "module printed no JSON", "stdout": process.stdout,
                           "stderr": process.stderr}

    @property
    def failed(self):
        return bool(self.result.get("failed"))

    @property
    def msg(self):
        return self.result.get("msg", "")

    def __repr__(self):
        return "ModuleRun(rc=%s, elapsed=%.2f, result=%s, stderr=%s)" % (
            self.rc, self.elapsed, json.dumps(self.result)[:2000], self.stderr[-2000:])


def module_command(collections_path, module):
    """The command that runs plugins/modules/<module>.py as a module process."""
    return [sys.executable, "-m", "ansible_collections.gcore.tasks.plugins.modules.%s" % module]


def module_env(collections_path, env=None):
    environment = dict(os.environ, PYTHONPATH=collections_path, ANSIBLE_COLLECTIONS_PATH=collections_path)
    for name in ("GCORE_API_KEY", "GCORE_BASE_URL", "GCORE_CLOUD_PROJECT_ID", "GCORE_CLOUD_REGION_ID"):
        environment.pop(name, None)
    for name, value in (env or {}).items():
        if value is None:  # None removes the variable
            environment.pop(name, None)
        else:
            environment[name] = value
    return environment


def write_args(args):
    handle = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
    with handle:
        json.dump({"ANSIBLE_MODULE_ARGS": args}, handle)
    return handle.name


def run_module(collections_path, module, args, env=None, timeout=60):
    """Run the module with these arguments (no defaults added) and return a ModuleRun."""
    path = write_args(args)
    try:
        started = time.monotonic()
        process = subprocess.run(module_command(collections_path, module) + [path], env=module_env(collections_path, env),
                                 capture_output=True, text=True, timeout=timeout, check=False)
        return ModuleRun(process, time.monotonic() - started)
    finally:
        os.unlink(path)


def start_module(collections_path, module, args, env=None):
    """Start the module in the background; finish_module() collects it."""
    path = write_args(args)
    started = time.monotonic()
    process = subprocess.Popen(module_command(collections_path, module) + [path], env=module_env(collections_path, env),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return process, path, started


def finish_module(handle, timeout=60):
    process, path, started = handle
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    finally:
        if process.poll() is None:
            process.kill()
        os.unlink(path)
    return ModuleRun(subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr),
                     time.monotonic() - started)


def assert_one_line_api_error(run, status=None, exception_class=None, request_id=True, contains=()):
    """The module failed with a single-line message carrying the API error's facts."""
    assert run.failed, run
    assert run.rc != 0, run
    msg = run.msg
    assert msg and "\n" not in msg and "\r" not in msg, run
    failure = run.result.get("failure")
    assert failure, run
    assert failure["status"] == status, run
    if status is not None:
        assert "HTTP %d" % status in msg, run
    if exception_class:
        assert failure["exception_class"] == exception_class and exception_class in msg, run
    if request_id:
        expected = request_id if isinstance(request_id, str) else failure["request_id"]
        assert failure["request_id"] and failure["request_id"] == expected, run
        assert "(request_id %s)" % expected in msg, run
    assert failure["message"] and failure["message"].split(":")[0] in msg, run
    for text in contains:
        choices = text if isinstance(text, tuple) else (text,)
        assert any(choice in msg for choice in choices), (text, run)
    assert "Traceback" not in run.stdout + run.stderr, run
    assert "failed::" not in msg, ("doubled colon in the message", run)
    return failure


def base_args(sandbox, **args):
    """Connection options against the sandbox with small, bounded timeouts and retries."""
    merged = dict(api_key=API_KEY, api_url=sandbox.url, api_timeout=2.0, api_retries=2)
    merged.update(args)
    return merged
