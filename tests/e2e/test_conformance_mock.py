# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Conformance against an independent, validating mock of the published API.

Stoplight Prism (installed from npm into .tmp/npm on first use, then reused) serves
tests/contract/gcore-cloud-tasks.openapi.yaml (the vendored copy of the published document) and
answers every request that breaks the contract with a 422 whose body lists the violations (with
--errors, response violations become errors too). Every request shape the modules can send is
sent to it; any rejected request fails the test. Without npm, or when the install fails, the
tests are skipped with the reason.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gcore_e2e import API_KEY, TASK_ID, run_module

REPO = Path(__file__).resolve().parents[2]
CONTRACT = REPO / "tests" / "contract" / "gcore-cloud-tasks.openapi.yaml"
NPM_PREFIX = REPO / ".tmp" / "npm"
PRISM_PACKAGE = "@stoplight/prism-cli@5"
PRISM = NPM_PREFIX / "node_modules" / ".bin" / "prism"
OTHER_ID = "5b2c1d0e-2f7a-4a59-9d4e-0b8d1c3e7f11"


def _install_prism():
    if PRISM.exists():
        return None
    npm = shutil.which("npm")
    if not npm:
        return "npm is not installed: the conformance tests against the Prism mock need it"
    NPM_PREFIX.mkdir(parents=True, exist_ok=True)
    try:
        process = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--loglevel=error", "--prefix",
                                  str(NPM_PREFIX), PRISM_PACKAGE], capture_output=True, text=True, timeout=300,
                                 check=False)
    except subprocess.TimeoutExpired:
        return "npm install %s took more than 300 s" % PRISM_PACKAGE
    if process.returncode != 0 or not PRISM.exists():
        return "npm install %s failed (rc %s): %s" % (PRISM_PACKAGE, process.returncode,
                                                      (process.stderr or process.stdout).strip()[-500:])
    return None


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def prism(tmp_path_factory):
    """A running Prism mock of the contract: its base URL. Stopped when the module's tests end."""
    reason = _install_prism()
    if reason:
        pytest.skip(reason)
    port = _free_port()
    log_path = tmp_path_factory.mktemp("prism") / "prism.log"
    log = open(log_path, "w")
    process = subprocess.Popen([str(PRISM), "mock", "-h", "127.0.0.1", "-p", str(port), "--errors", str(CONTRACT)],
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = "http://127.0.0.1:%d" % port
    try:
        deadline = time.monotonic() + 60
        while "Prism is listening" not in log_path.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.skip("Prism did not start: %s" % log_path.read_text()[-500:])
            time.sleep(0.2)
        yield dict(url=url, log=log_path)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log.close()


@pytest.fixture
def client(prism, collections_path):
    """The collection's own client and wait engine, in process, pointed at the mock."""
    if collections_path not in sys.path:
        sys.path.insert(0, collections_path)
    from ansible_collections.gcore.tasks.plugins.module_utils._client import GcoreClient
    return GcoreClient(API_KEY, api_url=prism["url"], timeout=10, retries=0)


def mock_args(prism, **args):
    return dict(dict(api_key=API_KEY, api_url=prism["url"], api_timeout=10, api_retries=0), **args)


# Every request shape of the three modules: (module, arguments).
MODULE_CALLS = [
    ("gcore_task_info", {"task_ids": [TASK_ID]}),
    ("gcore_task_info", {"task_ids": [TASK_ID, OTHER_ID]}),
    ("gcore_task_info", {}),
    ("gcore_task_info", {"project_id": [1, 2], "region_id": [76, 77], "state": ["NEW", "RUNNING", "FINISHED", "ERROR"],
                         "task_type": "create_vm", "is_acknowledged": False, "order_by": "asc", "limit": 5,
                         "from_timestamp": "2026-05-23T05:07:31Z", "to_timestamp": "2026-05-23T05:07:31"}),
    ("gcore_task_info", {"project_id": [1], "is_acknowledged": True, "order_by": "desc", "limit": 1,
                         "from_timestamp": "2026-05-23T07:07:31+02:00", "to_timestamp": "2026-05-24T00:00:00.123456Z"}),
    ("gcore_task_info", {"state": ["ERROR"], "limit": 2500}),
    ("gcore_task_info", {"from_timestamp": "-7d", "to_timestamp": "now", "limit": 1}),
    ("gcore_task_info", {"active": True, "project_id": [1], "region_id": [76]}),
    ("gcore_task_info", {"active": True, "project_id": [1], "region_id": [76], "task_type": "create_vm", "limit": 3}),
    ("gcore_task_wait", {"task_ids": [TASK_ID], "wait_timeout": 10, "fail_on_error": False}),
    ("gcore_task_wait", {"task_ids": [TASK_ID, OTHER_ID], "wait_timeout": 10, "fail_on_error": False}),
    ("gcore_task_ack", {"task_ids": [TASK_ID]}),
    ("gcore_task_ack", {"acknowledge_all": True, "all_projects": True}),
    ("gcore_task_ack", {"acknowledge_all": True, "project_id": [1, 2], "region_id": [76]}),
    ("gcore_task_ack", {"acknowledge_all": True, "project_id": 1, "region_id": 76}),
    ("gcore_task_ack", {"acknowledge_all": True, "project_id": 1}),
]


@pytest.mark.parametrize("module, args", MODULE_CALLS,
                         ids=["%s-%d" % (module, number) for number, (module, _args) in enumerate(MODULE_CALLS)])
def test_every_module_request_is_accepted_by_the_validating_mock(prism, collections_path, module, args):
    run = run_module(collections_path, module, mock_args(prism, **args))
    if OTHER_ID in args.get("task_ids", []):
        # The mock answers its one example task (TASK_ID) for any ID, so the read of OTHER_ID comes back as
        # another task, which the modules rightly refuse; the requests themselves must still pass the contract.
        assert not run.failed or "the answer is another task (%s)" % TASK_ID in run.msg, run
        assert run.result.get("failure", {}).get("status") != 422, run
        return
    assert not run.failed, run
    if module != "gcore_task_ack":  # the mock's example task is already acknowledged: nothing to return
        assert run.result.get("tasks"), "the mock's example task came back"


def test_the_wait_engines_window_and_active_scans_are_accepted(client):
    from ansible_collections.gcore.tasks.plugins.module_utils._waiter import TaskWaiter
    waiter = TaskWaiter(client)
    # Two pending tasks already read once, of one project and region: one list request over their created_on window.
    for task_id, created_on in ((TASK_ID, "2026-05-23T05:07:31"), (OTHER_ID, "2026-05-23T05:09:02.5Z")):
        waiter.tasks[task_id] = {"id": task_id, "state": "RUNNING", "project_id": 1, "region_id": 76,
                                 "created_on": created_on, "task_type": "create_vm"}
    waiter.poll([TASK_ID, OTHER_ID])
    # The engine absorbs a failed list (a 422 included) and reads by ID instead: look at what the lists got.
    assert waiter.book.list_failures == 0, waiter.book.last_list_error
    # Tasks never read: one read by ID, then the active tasks of its project and region.
    unread = TaskWaiter(client)
    unread.poll(["00000000-0000-4000-8000-00000000000%d" % n for n in range(3)])
    assert unread.book.list_failures == 0, unread.book.last_list_error


def test_the_next_page_and_the_single_acknowledge_are_accepted(client):
    # What iter_pages sends for a second page, and the POST that gcore_task_ack sends for an unacknowledged task
    # (the mock's example task is already acknowledged, so the module itself does not send it).
    client.request("GET", "/cloud/v1/tasks", params={"state": ["NEW", "RUNNING"], "project_id": [1], "region_id": [76],
                                                     "limit": 1000, "offset": 1000, "order_by": "asc"})
    client.request("GET", "/cloud/v1/tasks/1/76/active", params={"task_type": "create_vm", "limit": 1000,
                                                                 "offset": 1000})
    assert client.acknowledge_task(TASK_ID)["id"]


def test_a_request_breaking_the_contract_is_rejected_by_the_mock(client):
    """The mock really validates: the negative control for every test above."""
    from ansible_collections.gcore.tasks.plugins.module_utils._client import GcoreError
    with pytest.raises(GcoreError) as error:
        client.request("GET", "/cloud/v1/tasks", params={"state": ["DONE"], "limit": 5000})
    assert error.value.status == 422
    assert "Invalid request" in str(error.value)
