# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The wait engine's request budget, counted by the sandbox: requests per round do not grow with tasks."""

from gcore_e2e import base_args, run_module

LIST_ROUTE = "GET /cloud/v1/tasks"
TASK_ROUTE = "GET /cloud/v1/tasks/{task_id}"


def test_waiting_on_fifty_tasks_of_one_region_costs_about_one_request_per_round(sandbox, collections_path):
    task_ids = sandbox.add_tasks([{"duration": 0.3 + 0.05 * n, "project_id": 1, "region_id": 76}
                                  for n in range(50)])
    run = run_module(collections_path, "gcore_task_wait", base_args(sandbox, task_ids=task_ids, wait_sleep=0.5,
                                                                    wait_timeout=30))
    assert run.rc == 0, run.stdout + run.stderr
    assert len(run.result["created_resources"]["volumes"]) == 50
    routes = sandbox.counters()["routes"]
    rounds = 1 + int(run.result["elapsed"] / 0.5) + 1
    # One read by ID reveals the region, plus one per task that ended before the first round's active list.
    assert routes.get(TASK_ROUTE, 0) <= 4, "tasks were read one by one"
    assert sandbox.counters()["total"] <= rounds + 2, (routes, rounds)
    assert sandbox.counters()["total"] < 50


def test_a_single_task_is_read_with_its_own_get(sandbox, collections_path):
    task_id = sandbox.add_task(duration=1.5)
    run = run_module(collections_path, "gcore_task_wait", base_args(sandbox, task_ids=[task_id], wait_sleep=0.2))
    assert run.rc == 0, run.stdout + run.stderr
    routes = sandbox.counters()["routes"]
    assert routes.get(LIST_ROUTE, 0) == 0 and routes[TASK_ROUTE] >= 1


def test_tasks_in_two_regions_cost_one_list_request_per_region_per_round(sandbox, collections_path):
    task_ids = sandbox.add_tasks([{"duration": 2.5, "project_id": 1, "region_id": region}
                                  for region in (76, 77) for _unused in range(10)])
    run = run_module(collections_path, "gcore_task_wait", base_args(sandbox, task_ids=task_ids, wait_sleep=0.5))
    assert run.rc == 0, run.stdout + run.stderr
    windows = [entry for entry in sandbox.requests() if entry["path"] == "/cloud/v1/tasks"
               and "from_timestamp" in entry["query"]]
    assert windows, "later rounds should read each region's creation window with one list request"
    assert {("region_id=76" in entry["query"], "region_id=77" in entry["query"]) for entry in windows} == {
        (True, False), (False, True)}
    # The first round reads one task of each region by ID to learn where the others are.
    assert sandbox.counters()["routes"].get(TASK_ROUTE, 0) <= 2
