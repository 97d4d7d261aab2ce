# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""gcore_task_ack acknowledge_all: the scope it needs, one call per project/region pair."""

from gcore_e2e import base_args, run_module

ACK_ALL = "POST /cloud/v1/tasks/acknowledge_all"


def seed(sandbox, pairs):
    """One ended task per (project_id, region_id); returns {pair: task_id}."""
    return dict((pair, sandbox.add_task(duration=0, project_id=pair[0], region_id=pair[1])) for pair in pairs)


def acknowledged(sandbox, task_id):
    return sandbox.task(task_id)["acknowledged_at"] is not None


def test_ack_all_with_several_projects_and_regions_posts_once_per_pair_that_holds_tasks(sandbox, collections_path):
    tasks = seed(sandbox, [(1, 76), (1, 80), (2, 80), (3, 76)])
    sandbox.reset_counters()
    run = run_module(collections_path, "gcore_task_ack",
                     base_args(sandbox, acknowledge_all=True, project_id=[1, 2], region_id=[76, 80]))
    assert not run.failed and run.result["changed"], run
    assert sorted(task["id"] for task in run.result["tasks"]) == sorted(tasks[pair] for pair in [(1, 76), (1, 80), (2, 80)])
    assert [acknowledged(sandbox, tasks[pair]) for pair in [(1, 76), (1, 80), (2, 80), (3, 76)]] == [True, True, True, False]
    # (2, 76) holds no unacknowledged task: three pairs, three calls.
    assert sandbox.counters()["routes"].get(ACK_ALL) == 3, sandbox.requests()
    queries = sorted(entry["query"] for entry in sandbox.requests() if entry["route"] == ACK_ALL)
    assert queries == ["project_id=1&region_id=76", "project_id=1&region_id=80", "project_id=2&region_id=80"]


def test_ack_all_takes_one_project_as_a_plain_integer_or_from_the_environment(sandbox, collections_path):
    tasks = seed(sandbox, [(1, 76), (2, 76), (3, 76)])
    run = run_module(collections_path, "gcore_task_ack", base_args(sandbox, acknowledge_all=True, project_id=1))
    assert not run.failed and [task["id"] for task in run.result["tasks"]] == [tasks[(1, 76)]], run
    run = run_module(collections_path, "gcore_task_ack", base_args(sandbox, acknowledge_all=True),
                     env={"GCORE_CLOUD_PROJECT_ID": "2"})
    assert not run.failed and [task["id"] for task in run.result["tasks"]] == [tasks[(2, 76)]], run
    assert not acknowledged(sandbox, tasks[(3, 76)])


def test_ack_all_without_a_project_is_refused_and_sends_no_request(sandbox, collections_path):
    tasks = seed(sandbox, [(1, 76), (2, 80)])
    sandbox.reset_counters()
    for args in ({}, {"region_id": [76]}, {"project_id": [1], "all_projects": True}):
        run = run_module(collections_path, "gcore_task_ack", base_args(sandbox, acknowledge_all=True, **args))
        assert run.failed and "\n" not in run.msg, run
        assert "all_projects=true" in run.msg, run
    assert sandbox.counters()["total"] == 0, sandbox.requests()
    assert not any(acknowledged(sandbox, task_id) for task_id in tasks.values())


def test_ack_all_with_all_projects_acknowledges_the_whole_account_in_one_call(sandbox, collections_path):
    tasks = seed(sandbox, [(1, 76), (2, 80)])
    sandbox.reset_counters()
    run = run_module(collections_path, "gcore_task_ack", base_args(sandbox, acknowledge_all=True, all_projects=True))
    assert not run.failed and run.result["changed"], run
    assert all(acknowledged(sandbox, task_id) for task_id in tasks.values())
    assert [entry["query"] for entry in sandbox.requests() if entry["route"] == ACK_ALL] == [""]


def test_ack_all_in_check_mode_lists_but_acknowledges_nothing(sandbox, collections_path):
    tasks = seed(sandbox, [(1, 76), (2, 80)])
    sandbox.reset_counters()
    run = run_module(collections_path, "gcore_task_ack",
                     base_args(sandbox, acknowledge_all=True, project_id=[1, 2], _ansible_check_mode=True))
    assert not run.failed and run.result["changed"] and len(run.result["tasks"]) == 2, run
    assert ACK_ALL not in sandbox.counters()["routes"]
    assert not any(acknowledged(sandbox, task_id) for task_id in tasks.values())
