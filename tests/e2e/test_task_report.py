# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The task_report role: a summary, JSON and Markdown reports, acknowledgement, check mode, idempotence."""

import json

ROLE = "gcore.tasks.task_report : "
ACK_ROUTE = "POST /cloud/v1/tasks/{task_id}/acknowledge"

REPORT = """
- name: Audit the tasks
  hosts: localhost
  gather_facts: false
  roles:
    - role: gcore.tasks.task_report
      task_report_project_ids: [1, 2]
      task_report_region_ids: [76]
      task_report_from: "2020-01-01T00:00:00Z"
      task_report_dir: "{{ report_dir }}"
      task_report_long_running_seconds: 600
      task_report_acknowledge: "{{ acknowledge | default(false) }}"
"""


def seed(sandbox):
    """Tasks of every kind the report tells apart, and one outside the audited regions."""
    return dict(
        finished=sandbox.add_task(task_type="create_vm", duration=0.1, project_id=1, region_id=76),
        error=sandbox.add_task(task_type="create_vm", duration=0.1, outcome="ERROR", project_id=2, region_id=76,
                               error="No valid host | was found"),
        slow=sandbox.add_task(task_type="create_volume", duration=3000, created_offset=-4000, project_id=1, region_id=76),
        stuck=sandbox.add_task(task_type="create_volume", duration=None, created_offset=-1000, project_id=1, region_id=76),
        fresh=sandbox.add_task(task_type="create_volume", duration=None, project_id=1, region_id=76),
        elsewhere=sandbox.add_task(task_type="create_vm", duration=0.1, project_id=1, region_id=8),
    )


def changed_tasks(run):
    return sorted(entry["task"] for entry in run.results if entry["result"].get("changed"))


def test_the_report_counts_states_and_types_and_lists_error_and_long_running_tasks(run_playbook, sandbox, tmp_path):
    ids = seed(sandbox)
    run = run_playbook(REPORT, extra_vars={"report_dir": str(tmp_path / "reports")})
    assert run.rc == 0, run.stdout + run.stderr

    report = json.loads((tmp_path / "reports" / "gcore-task-report.json").read_text())
    assert report["window"] == {"from": "2020-01-01T00:00:00Z", "to": None, "project_ids": [1, 2], "region_ids": [76]}
    assert report["total"] == 5
    assert report["by_state"] == {"ERROR": 1, "FINISHED": 2, "RUNNING": 2}
    assert report["by_type"] == {"create_vm": 2, "create_volume": 3}
    assert [(t["id"], t["error"]) for t in report["error_tasks"]] == [(ids["error"], "No valid host | was found")]
    assert [t["id"] for t in report["long_running_tasks"]] == [ids["slow"], ids["stuck"]]
    assert report["long_running_tasks"][0]["duration_seconds"] == 3000.0
    assert report["long_running_tasks"][1]["duration_seconds"] is None
    assert [t["id"] for t in report["tasks"]][:2] == [ids["slow"], ids["stuck"]], "oldest first"
    assert ids["elsewhere"] not in {t["id"] for t in report["tasks"]}
    assert not any(t["acknowledged"] for t in report["tasks"])

    markdown = (tmp_path / "reports" / "gcore-task-report.md").read_text()
    assert "| ERROR | 1 |" in markdown and "| create_volume | 3 |" in markdown
    assert "No valid host \\| was found" in markdown, "pipes in error text are escaped for the table"

    summary = run.result(ROLE + "Show the summary")["result"]["msg"]
    assert "Per state: ERROR 1, FINISHED 2, RUNNING 2" in summary
    assert any(ids["error"] in line and "No valid host | was found" in line for line in summary)
    assert any(ids["slow"] in line and "ran 3000.0 s" in line for line in summary)
    assert sandbox.counters()["routes"].get(ACK_ROUTE, 0) == 0, "nothing acknowledged unless asked"


def test_check_mode_reports_what_would_change_and_writes_and_acknowledges_nothing(run_playbook, sandbox, tmp_path):
    ids = seed(sandbox)
    report_dir = tmp_path / "reports"
    checked = run_playbook(REPORT, extra_vars={"report_dir": str(report_dir), "acknowledge": True}, check=True)
    assert checked.rc == 0, checked.stdout + checked.stderr
    assert not report_dir.exists()
    for name in ("Write the JSON report", "Write the Markdown report"):
        assert checked.result(ROLE + name)["result"]["changed"] is True
    would_ack = checked.result(ROLE + "Acknowledge the ended tasks of the report")["result"]
    assert would_ack["changed"] is True
    assert sorted(t["id"] for t in would_ack["tasks"]) == sorted([ids["finished"], ids["error"], ids["slow"]])
    assert sandbox.counters()["routes"].get(ACK_ROUTE, 0) == 0


def test_a_second_run_with_acknowledgement_changes_nothing(run_playbook, sandbox, tmp_path):
    ids = seed(sandbox)
    report_dir = tmp_path / "reports"
    extra_vars = {"report_dir": str(report_dir), "acknowledge": True}

    first = run_playbook(REPORT, extra_vars=extra_vars)
    assert first.rc == 0, first.stdout + first.stderr
    assert changed_tasks(first) == sorted(ROLE + name for name in (
        "Acknowledge the ended tasks of the report", "Create the report directory",
        "Write the JSON report", "Write the Markdown report"))
    assert sandbox.counters()["routes"][ACK_ROUTE] == 3
    assert sandbox.task(ids["stuck"])["acknowledged_at"] is None, "running tasks are not acknowledged"
    report = json.loads((report_dir / "gcore-task-report.json").read_text())
    assert {t["id"]: t["acknowledged"] for t in report["tasks"]} == {
        ids["finished"]: True, ids["error"]: True, ids["slow"]: True, ids["stuck"]: False, ids["fresh"]: False}
    contents = {path.name: path.read_text() for path in report_dir.iterdir()}

    second = run_playbook(REPORT, extra_vars=extra_vars)
    assert second.rc == 0, second.stdout + second.stderr
    assert changed_tasks(second) == []
    assert second.result(ROLE + "Acknowledge the ended tasks of the report")["status"] == "skipped"
    assert {path.name: path.read_text() for path in report_dir.iterdir()} == contents
    assert sandbox.counters()["routes"][ACK_ROUTE] == 3


def test_the_role_refuses_to_run_without_a_window_or_a_report_directory(run_playbook, sandbox):
    run = run_playbook(REPORT.replace('      task_report_from: "2020-01-01T00:00:00Z"\n', "")
                       .replace('      task_report_dir: "{{ report_dir }}"\n', ""))
    assert run.rc != 0
    failed = [entry for entry in run.results if entry["status"] == "failed"]
    assert "task_report_from" in failed[0]["result"]["msg"] and "task_report_dir" in failed[0]["result"]["msg"]
    assert sandbox.counters()["total"] == 0


OMITTED = """
- name: Audit with optional variables left to omit
  hosts: localhost
  gather_facts: false
  roles:
    - role: gcore.tasks.task_report
      task_report_from: "{{ window_from }}"
      task_report_to: "{{ window_to | default(omit) }}"
      task_report_project_ids: "{{ projects | default(omit) }}"
      task_report_region_ids: "{{ regions | default(omit) }}"
      task_report_name: "{{ name | default(omit) }}"
      task_report_file_mode: "{{ mode | default(omit) }}"
      task_report_long_running_seconds: "{{ long_running | default(omit) }}"
      task_report_acknowledge: "{{ acknowledge | default(omit) }}"
      task_report_dir: "{{ report_dir }}"
"""


def test_optional_role_variables_set_to_omit_count_as_not_set(run_playbook, sandbox, tmp_path):
    ids = seed(sandbox)
    report_dir = tmp_path / "reports"
    run = run_playbook(OMITTED, extra_vars={"report_dir": str(report_dir), "window_from": "2020-01-01T00:00:00Z"})
    assert run.rc == 0, run.stdout + run.stderr
    report = json.loads((report_dir / "gcore-task-report.json").read_text())
    assert report["window"] == {"from": "2020-01-01T00:00:00Z", "to": None, "project_ids": [], "region_ids": []}
    assert report["long_running_seconds"] == 600
    assert ids["elsewhere"] in {t["id"] for t in report["tasks"]}, "no project/region filter: every task"
    assert oct((report_dir / "gcore-task-report.json").stat().st_mode & 0o777) == "0o644"
    assert sandbox.counters()["routes"].get(ACK_ROUTE, 0) == 0


def test_the_window_takes_relative_times(run_playbook, sandbox, tmp_path):
    recent = sandbox.add_task(task_type="create_vm", duration=0.1, created_offset=-600, project_id=1, region_id=76)
    old = sandbox.add_task(task_type="create_vm", duration=0.1, created_offset=-7200, project_id=1, region_id=76)
    report_dir = tmp_path / "reports"
    run = run_playbook(OMITTED, extra_vars={"report_dir": str(report_dir), "window_from": "-1h", "window_to": "now"})
    assert run.rc == 0, run.stdout + run.stderr
    report = json.loads((report_dir / "gcore-task-report.json").read_text())
    assert [t["id"] for t in report["tasks"]] == [recent] and old != recent
    assert report["window"]["from"] == "-1h"


def test_a_malformed_window_is_reported_naming_the_role_variable(run_playbook, sandbox, tmp_path):
    for extra, variable in (({"window_from": "yesterday"}, "task_report_from"),
                            ({"window_from": "-1h", "window_to": "24h ago"}, "task_report_to")):
        run = run_playbook(OMITTED, extra_vars=dict(extra, report_dir=str(tmp_path / "reports")))
        assert run.rc != 0
        failed = [entry for entry in run.results if entry["status"] == "failed"]
        assert len(failed) == 1, failed
        msg = failed[0]["result"]["msg"]
        assert msg.startswith(variable + " must be an ISO 8601 date-time"), msg
        assert "from_timestamp" not in msg and "to_timestamp" not in msg, msg
    assert sandbox.counters()["total"] == 0
    assert not (tmp_path / "reports").exists()


def test_an_api_error_while_reading_fails_the_role_with_the_modules_message(run_playbook, sandbox, tmp_path):
    sandbox.add_fault(route="GET /cloud/v1/tasks", status=403, times=None,
                      body={"exception_class": "Forbidden", "message": "no access to project 1"})
    run = run_playbook(OMITTED, extra_vars={"report_dir": str(tmp_path / "reports"), "window_from": "-1h"})
    assert run.rc != 0
    failed = [entry for entry in run.results if entry["status"] == "failed"]
    assert len(failed) == 1 and "no access to project 1" in failed[0]["result"]["msg"], failed
    assert not (tmp_path / "reports").exists()


def test_ages_are_measured_on_the_api_clock_when_it_is_20_minutes_behind(run_playbook, sandbox, tmp_path):
    # Every timestamp the API shows, and its Date header, is 20 minutes behind this host's clock:
    # to the controller's clock every task looks at least 20 minutes old.
    sandbox.configure(clock_offset=-1200)
    fresh = sandbox.add_tasks([dict(task_type="create_volume", duration=None, project_id=1, region_id=76)] * 4
                              + [dict(task_type="create_volume", queued=None, project_id=1, region_id=76)])
    stuck = sandbox.add_task(task_type="create_vm", duration=None, created_offset=-700, project_id=1, region_id=76)
    run = run_playbook(REPORT, extra_vars={"report_dir": str(tmp_path / "reports")})
    assert run.rc == 0, run.stdout + run.stderr
    report = json.loads((tmp_path / "reports" / "gcore-task-report.json").read_text())
    assert report["by_state"] == {"NEW": 1, "RUNNING": 5}
    assert [t["id"] for t in report["long_running_tasks"]] == [stuck], "fresh tasks are not long-running"
    assert {t["id"] for t in report["tasks"]} == set(fresh + [stuck])
    summary = run.result(ROLE + "Show the summary")["result"]["msg"]
    assert "Long-running tasks (600 s or more): 1" in summary


def test_timestamps_with_offsets_fractions_or_no_zone_are_read_and_ordered_by_time(run_playbook, sandbox, tmp_path):
    def task(task_id, state, created_on, **times):
        return dict(id=task_id, task_type="create_vm", state=state, project_id=1, region_id=76, created_on=created_on,
                    updated_on=times.get("updated_on", created_on), finished_on=times.get("finished_on"),
                    error="No valid host" if state == "ERROR" else None, acknowledged_at=None,
                    created_resources=None, data=None)

    ids = ["%08d-0000-4000-8000-000000000000" % n for n in range(4)]
    listed = [
        # 05:00Z, ended at 05:15:00.5Z: ran 900.5 s
        task(ids[0], "FINISHED", "2026-05-23T08:00:00+03:00", finished_on="2026-05-23T05:15:00.5Z"),
        # 04:59Z (no zone: UTC), ended at 04:59:30Z
        task(ids[1], "ERROR", "2026-05-23T04:59:00", finished_on="2026-05-23T07:59:30+0300"),
        # 05:20:00.123456789Z, running; the newest timestamp shown is 05:40Z, so 1199.9 s old
        task(ids[2], "RUNNING", "2026-05-23T05:20:00.123456789+00:00", updated_on="2026-05-23T05:20:01+03"),
        # 05:35Z, running for 300 s
        task(ids[3], "RUNNING", "2026-05-23T07:35:00+02:00", updated_on="2026-05-23T05:40:00Z"),
    ]
    # The API's clock when it answered (gcore_task_info's api_date) is the newest timestamp shown, 05:40Z.
    sandbox.add_fault(route="GET /cloud/v1/tasks", status=200, times=None, body={"count": 4, "results": listed},
                      headers={"Date": "Sat, 23 May 2026 05:40:00 GMT"})
    run = run_playbook(REPORT, extra_vars={"report_dir": str(tmp_path / "reports")})
    assert run.rc == 0, run.stdout + run.stderr
    report = json.loads((tmp_path / "reports" / "gcore-task-report.json").read_text())
    assert [t["id"] for t in report["tasks"]] == [ids[1], ids[0], ids[2], ids[3]], "oldest first, by time"
    assert [t["duration_seconds"] for t in report["tasks"]] == [30.0, 900.5, None, None]
    assert [t["id"] for t in report["long_running_tasks"]] == [ids[0], ids[2]]
    assert [t["created_on"] for t in report["tasks"]][:2] == ["2026-05-23T04:59:00", "2026-05-23T08:00:00+03:00"], \
        "the report shows the API's timestamps as given"
