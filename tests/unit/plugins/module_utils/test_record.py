# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The record of what a job created: built from any result, merged, trimmed."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.gcore.tasks.plugins.module_utils._record import (
    merge_records,
    record_from,
    record_from_result,
    record_without,
)

TASK_A = "26986bc0-748a-4448-b836-0a2aa465eb06"
TASK_B = "36986bc0-748a-4448-b836-0a2aa465eb06"


def wait_result():
    return dict(
        changed=False,
        created_resources=dict(volumes=["v1", "v2"]),
        task_ids=[TASK_A.upper()],
        tasks=[dict(id=TASK_A, project_id=1, region_id=76, created_resources=dict(volumes=["v1", "v2"], ports=[]))],
    )


def test_a_wait_result_gives_ids_scopes_and_lower_case_task_ids():
    record = record_from_result(wait_result())
    assert record["created_resources"] == dict(volumes=["v1", "v2"])
    assert record["scopes"] == {"v1": dict(project_id=1, region_id=76), "v2": dict(project_id=1, region_id=76)}
    assert record["task_ids"] == [TASK_A]


def test_compact_tasks_give_their_ids_scopes_through_created_resources_by_task_and_the_results_scope():
    compact = dict(
        created_resources=dict(volumes=["v1", "v2", "v3"]),
        created_resources_by_task={TASK_A: dict(volumes=["v1", "v2"]), TASK_B: dict(volumes=["v3"])},
        project_id=1, region_id=76,  # gcore_request: its path's scope, which its compact tasks leave out
        tasks=[dict(id=TASK_A), dict(id=TASK_B, project_id=2, region_id=8)],
    )
    record = record_from_result(compact)
    assert record["scopes"] == {"v1": dict(project_id=1, region_id=76), "v2": dict(project_id=1, region_id=76),
                                "v3": dict(project_id=2, region_id=8)}
    assert record["task_ids"] == [TASK_A, TASK_B]


def test_merging_keeps_first_seen_order_without_duplicates():
    later = dict(created_resources=dict(volumes=["v2", "v3"], networks=["n1"]), task_ids=[TASK_B],
                 scopes={"n1": dict(project_id=2, region_id=8)})
    merged = merge_records(wait_result(), later, wait_result())
    assert merged["created_resources"] == dict(volumes=["v1", "v2", "v3"], networks=["n1"])
    assert merged["task_ids"] == [TASK_A, TASK_B]
    assert merged["scopes"]["n1"] == dict(project_id=2, region_id=8)


def test_record_from_reads_a_bare_dict_a_loop_result_and_a_list():
    loop = dict(results=[wait_result(), dict(created_resources=dict(networks=["n1"]))])
    record = record_from([dict(volumes=["v9"]), loop])
    assert record["created_resources"] == dict(volumes=["v9", "v1", "v2"], networks=["n1"])


@pytest.mark.parametrize("value", ["volumes", 3, dict(name="x", size=2)])
def test_record_from_refuses_what_holds_no_ids(value):
    with pytest.raises(ValueError):
        record_from(value)


def test_record_without_drops_gone_ids_empty_kinds_and_their_scopes():
    record = merge_records(wait_result(), dict(created_resources=dict(networks=["n1"])))
    trimmed = record_without(record, dict(volumes=["v1", "v2"]))
    assert trimmed["created_resources"] == dict(networks=["n1"])
    assert trimmed["scopes"] == {}
    assert trimmed["task_ids"] == [TASK_A]


def test_a_dict_of_task_ids_alone_is_a_record_of_tasks_not_a_created_resources_dict():
    task_id = "77777777-7777-4777-8777-777777777777"
    assert record_from({"task_ids": [task_id.upper()]}) == dict(created_resources={}, scopes={}, task_ids=[task_id])
