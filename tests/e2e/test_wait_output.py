# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a person reads of a wait: progress lines while it runs, a failed result of readable size.

The sandbox here runs on a request clock (conftest.RequestClockSandbox): a task's duration is a
number of API requests, so which round sees which task end does not depend on how fast a busy
machine starts ansible-playbook or the module. A wait over tasks that end in three different
rounds shows at least three lines: one per change in the number of ended tasks.
"""

import datetime
import json
import re

import pytest

from awx_helpers import clean_gcore_environment, credential_env, run_job
from conftest import API_KEY, HERE

FAILED_WAIT = """
- name: A wait over many tasks, one of which fails
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Wait for the tasks
      gcore.tasks.gcore_task_wait:
        task_ids: "{{ ids }}"
        wait_sleep: 0.2
        full_tasks: "{{ full_tasks }}"
"""
MAX_FAILED_OUTPUT = 40 * 1024


@pytest.fixture
def sandbox(request_clock_sandbox):
    """Every test of this file: task durations in requests (one second of sandbox time each)."""
    return request_clock_sandbox


def _hundred_tasks_one_error(sandbox):
    ids = sandbox.add_tasks([{"task_type": "create_vm", "duration": 0} for _unused in range(99)])
    bad = sandbox.add_task(task_type="create_vm", duration=0, outcome="ERROR", error="Quota exceeded: cores 4 of 4")
    return ids[:50] + [bad] + ids[50:], bad


def test_a_failed_wait_over_100_tasks_prints_at_most_40_kb_naming_the_failed_task_first(run_playbook, sandbox):
    ids, bad = _hundred_tasks_one_error(sandbox)
    run = run_playbook(FAILED_WAIT, extra_vars={"ids": ids, "full_tasks": False})
    assert run.rc == 2, run.stdout + run.stderr
    size = len(run.stdout.encode("utf-8"))
    assert size <= MAX_FAILED_OUTPUT, "the failed wait printed %d bytes" % size
    result = run.result("Wait for the tasks")["result"]
    assert result["msg"].startswith("1 of 100 task(s) failed: %s (create_vm, ERROR): Quota exceeded" % bad)
    assert "ansible_facts" not in result, "facts are only set on success; a rescue reads the registered result"
    created = [i for task_id in ids if task_id != bad for i in sandbox.task(task_id)["created_resources"]["instances"]]
    assert result["created_resources"] == {"instances": created}, "every created ID is still returned"
    assert len(result["tasks"]) == 100 and not [task for task in result["tasks"] if "created_resources" in task], \
        "what a task created is in created_resources_by_task, once"
    assert result["created_resources_by_task"] == dict(
        (task_id, {"instances": sandbox.task(task_id)["created_resources"]["instances"]})
        for task_id in ids if task_id != bad)


FAILED_REQUEST = """
- name: A request over many bodies, one of which is refused
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Create the volumes
      gcore.tasks.gcore_request:
        method: POST
        path: /cloud/v1/volumes/{project_id}/{region_id}
        project_id: 1
        region_id: 76
        bodies: "{{ bodies }}"
        wait_sleep: 0.2
"""


def test_a_failed_request_over_100_bodies_prints_at_most_40_kb_and_keeps_what_each_call_did(run_playbook, sandbox):
    # Waves of 1, 2, 4, then 8 calls: bodies[99] is in the last wave, so the 99 others are accepted.
    bodies = [dict(source="new-volume", name="data-%03d" % index, size=1) for index in range(99)]
    bodies.append(dict(source="new-volume", name="reject-100", size=1))
    run = run_playbook(FAILED_REQUEST, extra_vars={"bodies": bodies})
    assert run.rc == 2, run.stdout + run.stderr
    size = len(run.stdout.encode("utf-8"))
    assert size <= MAX_FAILED_OUTPUT, "the failed request printed %d bytes" % size
    result = run.result("Create the volumes")["result"]
    assert result["msg"].startswith("bodies[99] (call 100 of 100): POST /cloud/v1/volumes/1/76 failed: HTTP 422")
    assert "99 call(s) accepted, 0 not sent" in result["msg"]
    assert (result["method"], result["path"], result["project_id"], result["region_id"]) == (
        "POST", "/cloud/v1/volumes/1/76", 1, 76)
    accepted, refused = result["results"][:99], result["results"][99]
    assert [call["index"] for call in result["results"]] == list(range(100))
    assert all(set(call) == {"index", "sent", "status", "task_ids"} and call["status"] == 200 for call in accepted)
    assert (refused["status"], refused["task_ids"], refused["error"]["exception_class"]) == (422, [], "ValidationError")
    assert result["task_ids"] == [call["task_ids"][0] for call in accepted]
    assert [task["id"] for task in result["tasks"]] == result["task_ids"]
    assert all(task == dict(id=task["id"], task_type="create_volume", state="FINISHED") for task in result["tasks"])
    names = dict((item["id"], item["name"]) for item in sandbox.resources(kind="volumes"))
    by_task = result["created_resources_by_task"]
    assert [names[by_task[call["task_ids"][0]]["volumes"][0]] for call in accepted] == [
        body["name"] for body in bodies[:99]], "each body's call, task and volume are linked"
    assert sorted(result["created_resources"]["volumes"]) == sorted(names)


def test_full_tasks_returns_every_field_of_every_task_as_the_api_sent_it(run_playbook, sandbox):
    ids, bad = _hundred_tasks_one_error(sandbox)
    run = run_playbook(FAILED_WAIT, extra_vars={"ids": ids, "full_tasks": True})
    assert run.rc == 2, run.stdout + run.stderr
    result = run.result("Wait for the tasks")["result"]
    assert result["tasks"] == [sandbox.task(task_id) for task_id in ids]
    assert len(run.stdout.encode("utf-8")) > 3 * MAX_FAILED_OUTPUT, "the compact default is what keeps it small"


LONG_WAIT = """
- name: A wait long enough to report its progress
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/gcore.tasks.all:
      api_key: "{{ lookup('ansible.builtin.env', 'GCORE_API_KEY') }}"
  tasks:
    - name: Wait for the tasks
      gcore.tasks.gcore_task_wait:
        task_ids: "{{ ids }}"
        wait_sleep: 0.3
        progress_interval: "{{ progress_interval }}"
      environment:
        GCORE_API_KEY: ""
"""
PROGRESS = re.compile(r"^\[localhost\] gcore_task_wait: (\d+)/(\d+) tasks ended.*$", re.MULTILINE)


def _long_tasks(sandbox, data=None):
    # Ended: the ERROR task at once, the VM after 6 requests, the cluster after 12. A wait's first
    # round makes at most 4 requests and later rounds fewer, so each ends in a round of its own.
    return sandbox.add_tasks([
        {"task_type": "create_k8s_cluster_v2", "duration": 12, "data": data},
        {"task_type": "create_vm", "duration": 6},
        {"task_type": "create_vm", "duration": 0, "outcome": "ERROR", "error": "Quota exceeded: cores"},
    ])


def test_a_long_wait_shows_progress_lines_at_default_verbosity_before_its_result(run_playbook, sandbox):
    ids = _long_tasks(sandbox)
    run = run_playbook(LONG_WAIT, extra_vars={"ids": ids, "progress_interval": 1})
    assert run.rc == 2, run.stdout + run.stderr
    lines = PROGRESS.findall(run.stdout)
    assert len(lines) >= 3, run.stdout
    assert lines[0] == ("1", "3") and lines[-1] == ("3", "3"), "first line while waiting, last when all ended"
    assert ("2", "3") in lines, "a line for each change in the number of ended tasks"
    task_start, result = run.stdout.index("TASK [Wait for the tasks]"), run.stdout.index("fatal: [localhost]")
    assert all(task_start < match.start() < result for match in PROGRESS.finditer(run.stdout))
    assert "waiting on 2: create_k8s_cluster_v2 RUNNING for" in run.stdout and "(1 ERROR)" in run.stdout
    assert run.result("Wait for the tasks")["result"]["failed_tasks"][0]["id"] == ids[2], "module_defaults still apply"


def test_progress_interval_0_turns_the_lines_off(run_playbook, sandbox):
    ids = _long_tasks(sandbox)
    run = run_playbook(LONG_WAIT, extra_vars={"ids": ids, "progress_interval": 0})
    assert run.rc == 2, run.stdout + run.stderr
    assert not PROGRESS.findall(run.stdout) and "tasks ended" not in run.stdout
    assert run.result("Wait for the tasks")["result"]["created_resources"]["k8s_clusters"]


def test_progress_lines_never_show_the_key_task_ids_or_task_data_even_at_vvvv(run_playbook, sandbox):
    ids = _long_tasks(sandbox, data={"name": "k8s-1", "password": "hunter2-SECRET"})
    run = run_playbook(LONG_WAIT, extra_vars={"ids": ids, "progress_interval": 1}, verbosity=4)
    assert run.rc == 2, run.stdout + run.stderr
    lines = [match.group(0) for match in PROGRESS.finditer(run.stdout)]
    assert len(lines) >= 3, run.stdout
    for line in lines:
        assert not [task_id for task_id in ids if task_id in line] and "k8s-1" not in line, line
    assert API_KEY not in run.stdout + run.stderr
    assert "hunter2-SECRET" not in run.stdout + run.stderr


ELSEWHERE = """
- name: Waits where no line can be shown
  hosts: localhost
  gather_facts: false
  tasks:
    - name: A host reached through a connection other than local
      ansible.builtin.add_host:
        name: elsewhere
        ansible_connection: elsewhere
        ansible_python_interpreter: "{{ ansible_playbook_python }}"

    - name: Wait whose output is hidden
      gcore.tasks.gcore_task_wait:
        task_ids: "{{ hidden }}"
        wait_sleep: 0.3
        progress_interval: 0.5
      no_log: true
      register: hidden_wait

    - name: Delegated wait
      gcore.tasks.gcore_task_wait:
        task_ids: "{{ delegated }}"
        wait_sleep: 0.3
        progress_interval: 0.5
      delegate_to: elsewhere
      register: delegated_wait

    - name: Async wait
      gcore.tasks.gcore_task_wait:
        task_ids: "{{ in_background }}"
        wait_sleep: 0.3
        progress_interval: 0.5
      async: 60
      poll: 1
      register: async_wait

    - name: What the hidden wait returned
      ansible.builtin.set_fact:
        hidden_elapsed: "{{ hidden_wait.elapsed }}"
"""


def test_a_delegated_async_or_no_log_wait_runs_the_module_alone_without_lines(run_playbook, sandbox):
    # Each wait starts after the previous one ended; durations (in requests: the first round of a
    # wait makes at most 4, later rounds 1 or 2, each at least wait_sleep 0.3 s after the last)
    # leave each wait several rounds, more than 1 s, while its task is still running.
    hidden, delegated, in_background = sandbox.add_tasks([
        {"task_type": "create_network", "duration": 12}, {"task_type": "create_vm", "duration": 36},
        {"task_type": "create_volume", "duration": 60}])
    run = run_playbook(ELSEWHERE, extra_vars={"delegated": [delegated], "in_background": [in_background],
                                              "hidden": [hidden]},
                       env={"ANSIBLE_CONNECTION_PLUGINS": str(HERE / "connection_plugins")})
    assert run.rc == 0, run.stdout + run.stderr
    assert "tasks ended" not in run.stdout
    assert float(run.result("What the hidden wait returned")["result"]["ansible_facts"]["hidden_elapsed"]) >= 1, (
        "the hidden wait really waited (long enough for lines)")
    delegated_result = run.result("Delegated wait")["result"]
    assert delegated_result["created_resources"] == {
        "instances": sandbox.task(delegated)["created_resources"]["instances"]}
    assert delegated_result["elapsed"] >= 1, "the delegated module really waited (long enough for lines)"
    async_result = run.result("Async wait")["result"]
    assert async_result["finished"] == 1 and async_result["ansible_job_id"] and async_result["elapsed"] >= 1
    assert async_result["created_resources"] == {"volumes": sandbox.task(in_background)["created_resources"][
        "volumes"]}


def test_under_ansible_runner_progress_lines_are_verbose_events_seconds_before_the_result(
        sandbox, collections_path, tmp_path, monkeypatch):
    clean_gcore_environment(monkeypatch)
    credential = credential_env(dict(api_key=API_KEY, api_url=sandbox.url, project_id="1", region_id="76"))
    ids = _long_tasks(sandbox)
    project = tmp_path / "job" / "project"
    project.mkdir(parents=True)
    (project / "long_wait.yml").write_text(LONG_WAIT)
    job = run_job(tmp_path / "job", "long_wait.yml", credential, collections_path,
                  extravars={"ids": ids, "progress_interval": 1})
    assert job.status == "failed", job.failures()
    events = job.events
    (start,) = [n for n, e in enumerate(events) if e["event"] == "playbook_on_task_start"
                and e["event_data"].get("task") == "Wait for the tasks"]
    (end,) = [n for n, e in enumerate(events) if e["event"] == "runner_on_failed"]
    progress = [(n, e) for n, e in enumerate(events) if e["event"] == "verbose" and "tasks ended" in e["stdout"]]
    assert len(progress) >= 3, [e["stdout"] for e in events]
    assert all(start < n < end for n, _unused in progress)
    assert "1/3 tasks ended" in progress[0][1]["stdout"] and "3/3 tasks ended" in progress[-1][1]["stdout"]
    # Live, not replayed at the end: the first line was an event before the module's last request.
    assert _created(progress[0][1]) < sandbox.arrivals[-1], "the lines arrive while the wait runs"
    assert API_KEY not in json.dumps(events)


def _created(event):
    """An event's creation time as a POSIX timestamp (ansible-runner writes naive UTC ISO times)."""
    moment = datetime.datetime.fromisoformat(event["created"])
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment.timestamp()


REQUEST = """
- name: gcore_request waits with progress lines too
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Create two volumes and wait
      gcore.tasks.gcore_request:
        method: POST
        path: /cloud/v1/volumes/1/76
        bodies:
          - {source: new-volume, name: data-1, size: 10}
          - {source: new-volume, name: data-2, size: 10}
        wait_sleep: 0.3
        progress_interval: 1
      register: created
"""
REQUEST_LINE = re.compile(r"^\[localhost\] gcore_request: (\d+)/2 tasks ended.*$", re.MULTILINE)


def test_gcore_request_shows_progress_lines_while_it_waits_for_its_calls_tasks(run_playbook, sandbox):
    sandbox.configure(volume_duration=8)  # requests: both volumes are still being created at the first round
    run = run_playbook(REQUEST)
    assert run.rc == 0, run.stdout + run.stderr
    lines = [match.group(0) for match in REQUEST_LINE.finditer(run.stdout)]
    assert len(lines) >= 2 and lines[-1].endswith("2/2 tasks ended"), run.stdout
    assert "waiting on 2: 2 x create_volume" in lines[0], lines
    assert len(run.result("Create two volumes and wait")["result"]["created_resources"]["volumes"]) == 2
