# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The gcore.tasks.task_ids filter: task IDs out of any registered result."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.gcore.tasks.plugins.filter.task_ids import FilterModule, task_ids

ID_A = "26986bc0-748a-4448-b836-0a2aa465eb06"
ID_B = "d478ae29-dedc-4869-82f0-96104425f565"
ID_C = "0b7e8a35-4f1c-4c55-9a51-6f3d1b2c9e10"


def uri_result(*ids):
    """What ansible.builtin.uri registers for a write call's answer."""
    return {"changed": False, "status": 200, "json": {"tasks": list(ids)}, "url": "https://api.gcore.com/x"}


def test_a_raw_api_answer_gives_its_task_ids():
    assert task_ids({"tasks": [ID_A, ID_B]}) == [ID_A, ID_B]


def test_a_registered_uri_result_gives_the_ids_of_its_answer():
    assert task_ids(uri_result(ID_A)) == [ID_A]


def test_a_uri_loop_gives_every_items_ids_in_order_and_skipped_or_failed_items_add_none():
    registered = {"changed": False, "msg": "All items completed", "results": [
        dict(uri_result(ID_A, ID_B), item="data-1", ansible_loop_var="item"),
        {"skipped": True, "item": "data-2", "ansible_loop_var": "item"},
        {"failed": True, "status": 400, "item": "data-3", "json": {"exception_class": "BadRequest", "message": "no"}},
        dict(uri_result(ID_C), item="data-4"),
    ]}
    assert task_ids(registered) == [ID_A, ID_B, ID_C]


def test_a_loop_item_that_failed_only_on_its_status_check_still_gives_the_tasks_it_started():
    # uri with status_code: 201 against an API that answers 200: the item fails, the task runs all the same.
    registered = {"results": [dict(uri_result(ID_A), failed=True, status=200, item="data-1",
                                   msg="Status code was 200 and not [201]: OK (unknown bytes)")]}
    assert task_ids(registered) == [ID_A]


def test_a_gcore_request_result_gives_each_id_once():
    registered = {"changed": True, "task_ids": [ID_A, ID_B, ID_C],
                  "results": [{"status": 201, "json": {"tasks": [ID_A]}, "task_ids": [ID_A]},
                              {"status": 201, "json": {"tasks": [ID_B, ID_C]}, "task_ids": [ID_B, ID_C]}]}
    assert task_ids(registered) == [ID_A, ID_B, ID_C]
    single = {"changed": True, "task_ids": [ID_B], "json": {"tasks": [ID_B]}, "results": [{"task_ids": [ID_B]}]}
    assert task_ids(single) == [ID_B]


def test_a_result_holding_task_objects_gives_their_ids():
    waited = {"tasks": [{"id": ID_A, "state": "FINISHED"}, {"id": ID_B, "state": "ERROR"}], "failed_tasks": []}
    assert task_ids(waited) == [ID_A, ID_B]


def test_a_list_of_results_answers_and_ids_gives_every_id_once_in_order():
    mixed = [uri_result(ID_B), {"tasks": [ID_A, ID_B]}, ID_C, [ID_A], None, {"results": []}]
    assert task_ids(mixed) == [ID_B, ID_A, ID_C]


@pytest.mark.parametrize("empty", [{}, [], {"results": []}, {"json": None}, {"tasks": None}, {"msg": "failed"},
                                   {"json": {"exception_class": "NotFound"}}, {"tasks": [None, 3, {"id": 7}]}])
def test_results_without_task_ids_give_an_empty_list(empty):
    assert task_ids(empty) == []


@pytest.mark.parametrize("value", [None, 42, 1.5, True])
def test_a_value_that_cannot_hold_task_ids_is_refused_naming_its_type(value):
    with pytest.raises(AnsibleFilterError, match="task_ids expects a registered result.*got %s" % type(value).__name__):
        task_ids(value)


def test_the_filter_is_exported_as_task_ids():
    assert FilterModule().filters() == {"task_ids": task_ids}
