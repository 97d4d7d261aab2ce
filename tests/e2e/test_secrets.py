# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The API key never shows up in any output, and task data secrets are masked unless asked otherwise."""

import json
import socket

import pytest

from gcore_e2e import API_KEY, base_args, run_module
from gcore_sandbox import Sandbox  # pylint: disable=import-error

PASSWORD = "pw-SECRET-hunter2-77d1"
USER_DATA = "I2Nsb3VkLWNvbmZpZwpwYXNzd29yZDogU0VDUkVU"
PAYLOAD = "secret-PAYLOAD-0a9f"
PRIVATE_KEY = "-----BEGIN PRIVATE KEY-----\nMIIEv-SECRET\n-----END PRIVATE KEY-----"
TASK_DATA = {
    "name": "web-1",
    "flavor": "g1-standard-2-4",
    "password": PASSWORD,
    "user_data": USER_DATA,
    "interfaces": [{"type": "external", "security_groups": [{"id": "sg-1"}]}],
    "secret": {"name": "tls", "private_key": PRIVATE_KEY},
    "listener": {"protocol": "TERMINATED_HTTPS", "options": [{"payload": PAYLOAD, "certificate": "CERT"}]},
    "metadata": {"nested": [{"admin_pass": "nested-SECRET-pw"}, {"token": "tok-SECRET-99"}], "env": "prod"},
    "ssh_key_name": "my-key",
}
SECRET_VALUES = [PASSWORD, USER_DATA, PAYLOAD, "MIIEv-SECRET", "nested-SECRET-pw", "tok-SECRET-99"]


@pytest.fixture
def other_apis():
    """A sandbox that knows another key (401 for ours), one that answers 500, one that never answers in time."""
    wrong_key = Sandbox(api_key="a-different-key").start()
    broken = Sandbox(api_key=API_KEY).start()
    broken.add_fault(route="*", status=500, times=None)
    slow = Sandbox(api_key=API_KEY).start()
    slow.add_fault(route="*", action="hang", latency=3.0, times=None)
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    apis = dict(wrong_key=wrong_key.url, broken=broken.url, slow=slow.url,
                closed="http://127.0.0.1:%d" % closed.getsockname()[1])
    closed.close()
    yield apis
    for api in (wrong_key, broken, slow):
        api.stop()


EVERY_MODULE = """
- name: Every module, successes and failures, at -vvvv
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/gcore.tasks.all:
      api_retries: 1
      api_timeout: 1
  tasks:
    - name: Info by id
      gcore.tasks.gcore_task_info:
        task_ids: "{{ ids }}"
    - name: Info filtered
      gcore.tasks.gcore_task_info:
        project_id: [1]
        state: [FINISHED, ERROR]
        from_timestamp: "2020-01-01T00:00:00Z"
    - name: Info active
      gcore.tasks.gcore_task_info:
        active: true
        project_id: [1]
        region_id: [1]
    - name: Info unmasked
      gcore.tasks.gcore_task_info:
        task_ids: "{{ ids }}"
        mask_task_data: false
      no_log: true
    - name: Wait
      gcore.tasks.gcore_task_wait:
        task_ids: "{{ ids }}"
        wait_timeout: 10
        wait_sleep: 0.2
    - name: Ack
      gcore.tasks.gcore_task_ack:
        task_ids: "{{ ids }}"
    - name: Ack all
      gcore.tasks.gcore_task_ack:
        acknowledge_all: true
        all_projects: true
    - name: Wait times out
      gcore.tasks.gcore_task_wait:
        task_ids: "{{ [stuck] + ids }}"
        wait_timeout: 1
        wait_sleep: 0.3
      ignore_errors: true
      register: timed_out
    - name: Wait 401
      gcore.tasks.gcore_task_wait:
        api_url: "{{ apis.wrong_key }}"
        task_ids: "{{ ids }}"
        wait_timeout: 5
      ignore_errors: true
    - name: Info 401 with the key given as an argument
      gcore.tasks.gcore_task_info:
        api_url: "{{ apis.wrong_key }}"
        api_key: "{{ lookup('ansible.builtin.env', 'GCORE_API_KEY') }}"
        task_ids: "{{ ids }}"
      ignore_errors: true
      register: unauthorized
    - name: Ack 401
      gcore.tasks.gcore_task_ack:
        api_url: "{{ apis.wrong_key }}"
        acknowledge_all: true
        all_projects: true
      ignore_errors: true
    - name: Info 500
      gcore.tasks.gcore_task_info:
        api_url: "{{ apis.broken }}"
        state: [RUNNING]
      ignore_errors: true
    - name: Wait read timeout
      gcore.tasks.gcore_task_wait:
        api_url: "{{ apis.slow }}"
        api_timeout: 0.3
        task_ids: "{{ ids }}"
        wait_timeout: 1
      ignore_errors: true
    - name: Ack connection refused
      gcore.tasks.gcore_task_ack:
        api_url: "{{ apis.closed }}"
        task_ids: "{{ ids }}"
      ignore_errors: true
    - name: Show what a user would print
      ansible.builtin.debug:
        msg:
          - "{{ timed_out }}"
          - "{{ unauthorized }}"
"""


def test_the_key_never_appears_in_any_output_of_any_module_at_vvvv(run_playbook, sandbox, other_apis):
    ids = sandbox.add_tasks([{"duration": 0, "data": TASK_DATA}, {"duration": 0, "task_type": "create_vm"}])
    stuck = sandbox.add_task(duration=None)
    run = run_playbook(EVERY_MODULE, verbosity=4, extra_vars={"ids": ids, "stuck": stuck, "apis": other_apis})
    statuses = dict((entry["task"], entry["status"]) for entry in run.results)
    assert run.rc == 0, run.stdout[-3000:] + run.stderr
    assert statuses["Wait"] == statuses["Ack"] == statuses["Info unmasked"] == "ok"
    for name in ("Wait times out", "Wait 401", "Info 401 with the key given as an argument", "Ack 401", "Info 500",
                 "Wait read timeout", "Ack connection refused"):
        assert statuses[name] == "failed", (name, statuses)
    assert "HTTP 401" in run.result("Wait 401")["result"]["msg"]
    # The key did reach the API, so it was there to leak.
    assert all(entry["headers"]["Authorization"] == "APIKey " + API_KEY for entry in sandbox.requests())
    everything = run.stdout + run.stderr + json.dumps(run.results)
    assert API_KEY not in everything
    assert API_KEY[4:-4] not in everything, "not even a part of the key"
    for secret in SECRET_VALUES:
        assert secret not in run.stdout + run.stderr + json.dumps(
            [entry for entry in run.results if entry["task"] != "Info unmasked"]), secret


# ---------------------------------------------------------------- keys that cannot be sent


@pytest.mark.parametrize("key", [
    pytest.param(API_KEY[:12] + "\n" + API_KEY[12:], id="newline-inside"),
    pytest.param(API_KEY[:12] + "\r\nX-Injected: 1", id="header-injection"),
    pytest.param(API_KEY + "-ключ", id="non-ascii"),
    pytest.param(API_KEY[:12] + "\t" + API_KEY[12:], id="tab-inside"),
])
def test_a_key_that_cannot_be_sent_in_a_header_is_refused_before_any_request_without_echoing_it(
        sandbox, collections_path, key):
    run = run_module(collections_path, "gcore_task_info", base_args(sandbox, api_key=key, task_ids=[
        sandbox.add_task(duration=0)]))
    output = run.stdout + run.stderr
    assert run.failed and "api_key" in run.msg, run
    assert "Traceback" not in output, run
    assert API_KEY[:12] not in output and API_KEY[13:] not in output, run
    assert sandbox.counters()["total"] == 0


def test_a_bearer_token_is_refused_before_any_request_naming_the_apikey_scheme(sandbox, collections_path):
    run = run_module(collections_path, "gcore_task_info",
                     base_args(sandbox, api_key="Bearer " + API_KEY, task_ids=[sandbox.add_task(duration=0)]))
    assert run.failed and "APIKey" in run.msg and "Bearer" in run.msg, run
    assert API_KEY not in run.stdout + run.stderr
    assert sandbox.counters()["total"] == 0


def test_a_key_pasted_with_its_apikey_scheme_word_is_sent_once_with_the_scheme(sandbox, collections_path):
    task_id = sandbox.add_task(duration=0)
    run = run_module(collections_path, "gcore_task_info", base_args(sandbox, api_key="apikey " + API_KEY,
                                                                    task_ids=[task_id]))
    assert not run.failed, run
    assert [entry["headers"]["Authorization"] for entry in sandbox.requests()] == ["APIKey " + API_KEY]


# ------------------------------------------------------------------------------ task data


def test_task_data_secrets_are_masked_at_any_depth_by_default_and_untouched_on_request(sandbox, collections_path):
    ids = sandbox.add_tasks([{"duration": 0, "data": TASK_DATA}, {"duration": 0, "data": None}])
    runs = {
        "info": run_module(collections_path, "gcore_task_info", base_args(sandbox, task_ids=ids)),
        "wait": run_module(collections_path, "gcore_task_wait", base_args(sandbox, task_ids=ids, wait_timeout=10)),
        "list": run_module(collections_path, "gcore_task_info", base_args(sandbox, state=["FINISHED"])),
        "ack": run_module(collections_path, "gcore_task_ack", base_args(sandbox, task_ids=ids[:1])),
    }
    for name, run in runs.items():
        assert not run.failed, (name, run)
        data = [task for task in run.result["tasks"] if task["id"] == ids[0]][0]["data"]
        assert data["password"] == data["user_data"] == "********", name
        assert data["secret"] == "********", name
        assert data["listener"]["options"] == [{"payload": "********", "certificate": "CERT"}], name
        assert data["metadata"]["nested"] == [{"admin_pass": "********"}, {"token": "********"}], name
        assert (data["name"], data["flavor"], data["metadata"]["env"]) == ("web-1", "g1-standard-2-4", "prod"), name
        assert data["interfaces"] == TASK_DATA["interfaces"], name
        assert [task.get("data") for task in run.result["tasks"] if task["id"] == ids[1]] in ([None], []), name
        for secret in SECRET_VALUES:
            assert secret not in run.stdout + run.stderr, (name, secret)
    raw = run_module(collections_path, "gcore_task_info", base_args(sandbox, task_ids=ids, mask_task_data=False))
    assert not raw.failed, raw
    assert raw.result["tasks"][0]["data"] == TASK_DATA
    raw = run_module(collections_path, "gcore_task_wait",
                     base_args(sandbox, task_ids=ids, wait_timeout=10, mask_task_data=False))
    assert raw.result["tasks"][0]["data"] == TASK_DATA
