# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The round planner decides where each task is looked for, from what the wait knows; no HTTP involved."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

from ansible_collections.gcore.tasks.plugins.module_utils._waiter import RoundPlanner, TaskBook, window_params

UTC = datetime.timezone.utc
CREATED = datetime.datetime(2026, 5, 23, 5, 0, 0, tzinfo=UTC)


def read(book, number, project_id=1, region_id=76, created_on="2026-05-23T05:00:00", task_type="create_volume"):
    task_id = "%08d-0000-4000-8000-000000000000" % number
    book.tasks[task_id] = {"id": task_id, "state": "RUNNING", "project_id": project_id, "region_id": region_id,
                           "created_on": created_on, "task_type": task_type}
    return task_id


def test_tasks_read_before_are_grouped_by_project_and_region_and_others_go_by_hint_or_unplaced():
    book = TaskBook()
    first, second = read(book, 1), read(book, 2, region_id=80)
    odd = read(book, 3, project_id=None)
    hinted, stranger = "%08d-0000-4000-8000-000000000000" % 4, "%08d-0000-4000-8000-000000000000" % 5
    book.seed(hinted, project_id=1, region_id=76, submitted_at=CREATED)
    plan = RoundPlanner(book).plan([first, second, odd, hinted, stranger])
    assert plan.groups == {(1, 76): [first], (1, 80): [second]}
    assert plan.hinted == {(1, 76): [hinted]}
    assert plan.by_id == [odd] and plan.unplaced == [stranger]


def test_one_task_of_a_region_is_read_by_id_and_two_use_their_created_on_window():
    book = TaskBook()
    planner = RoundPlanner(book)
    alone = read(book, 1)
    assert planner.list_group((1, 76), [alone]) is None
    pair = [alone, read(book, 2, created_on="2026-05-23T05:00:07")]
    assert planner.list_group((1, 76), pair) == (pair, [])
    low, high = planner.window_bounds(pair)
    assert (low, high) == (CREATED - datetime.timedelta(seconds=1), CREATED + datetime.timedelta(seconds=8))


def test_a_crowded_window_sends_the_group_to_the_active_list_and_lists_off_to_reads_by_id():
    book = TaskBook()
    planner = RoundPlanner(book)
    pair = [read(book, 1), read(book, 2, created_on=None)]
    assert planner.list_group((1, 76), pair) == ([], pair)  # one created_on alone does not make a window
    book.window_crowded.add((1, 76))
    assert planner.list_group((1, 76), [read(book, 3), read(book, 4)])[0] == []
    assert planner.active_pays((1, 76), pair)
    book.active_crowded.add((1, 76))
    assert not planner.active_pays((1, 76), pair)
    book.lists_off = True
    assert planner.list_group((1, 80), pair) is None


def test_a_list_is_crowded_past_twice_the_tasks_it_serves_plus_a_margin():
    book = TaskBook()
    planner = RoundPlanner(book)
    ours = [read(book, number) for number in range(30)]
    assert planner.worth(set(ours[:5]), (1, 76)) == 2 * 30 + 100  # every task of the wait read there counts
    assert planner.worth(set(ours[:5]), None) == 2 * 5 + 100


def test_a_near_window_needs_three_known_moments_and_spans_a_quarter_hour_each_side():
    planner = RoundPlanner(TaskBook())
    assert planner.near_window([CREATED, CREATED]) is None
    assert planner.near_window([CREATED, None, CREATED]) is None
    span = datetime.timedelta(minutes=15)
    assert planner.near_window([CREATED] * 3) == (CREATED - span, CREATED + span)


def test_a_shared_task_type_narrows_the_list_and_mixed_types_do_not():
    book = TaskBook()
    planner = RoundPlanner(book)
    volumes = [read(book, 1), read(book, 2)]
    assert planner.scan_type(volumes) == "create_volume"
    assert planner.scan_type(volumes + [read(book, 3, task_type="create_vm")]) is None
    params = window_params((1, 76), (CREATED, CREATED), "create_volume")
    assert params == {"project_id": [1], "region_id": [76], "from_timestamp": "2026-05-23T05:00:00.000000Z",
                      "to_timestamp": "2026-05-23T05:00:00.000000Z", "order_by": "asc", "task_type": "create_volume"}
