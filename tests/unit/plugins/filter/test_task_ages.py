# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The gcore.tasks.task_ages filter: run times on the API's clock, from any ISO 8601 timestamp."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.gcore.tasks.plugins.filter.task_ages import FilterModule, task_ages

ID_A = "26986bc0-748a-4448-b836-0a2aa465eb06"
ID_B = "d478ae29-dedc-4869-82f0-96104425f565"
ID_C = "0b7e8a35-4f1c-4c55-9a51-6f3d1b2c9e10"


def task(task_id, state, created_on, updated_on=None, finished_on=None, **extra):
    return dict(id=task_id, state=state, created_on=created_on, updated_on=updated_on or created_on,
                finished_on=finished_on, **extra)


def by_id(rows):
    return dict((row["id"], row) for row in rows)


def test_every_iso_8601_form_the_modules_accept_is_read():
    created = {
        "2026-05-23T08:00:00+03:00": "2026-05-23T05:00:00.000000Z",
        "2026-05-23T08:00:00+0300": "2026-05-23T05:00:00.000000Z",
        "2026-05-23T08:00:00+03": "2026-05-23T05:00:00.000000Z",
        "2026-05-23T01:30:00-03:30": "2026-05-23T05:00:00.000000Z",
        "2026-05-23T05:00:00Z": "2026-05-23T05:00:00.000000Z",
        "2026-05-23T05:00:00": "2026-05-23T05:00:00.000000Z",
        "2026-05-23T05:00:00.5": "2026-05-23T05:00:00.500000Z",
        "2026-05-23T05:00:00.123456789Z": "2026-05-23T05:00:00.123456Z",
        "2026-05-23 05:00:00.1+00:00": "2026-05-23T05:00:00.100000Z",
    }
    for text, utc in created.items():
        (row,) = task_ages([task(ID_A, "FINISHED", text, finished_on="2026-05-23T05:10:00.5Z")])
        assert row["created_at"] == utc, text
        assert row["finished_at"] == "2026-05-23T05:10:00.500000Z"
        expected = round(600.5 - float("0" + utc[19:26]), 1)
        assert row["duration_seconds"] == expected, text
        assert row["age_seconds"] is None, "an ended task has a duration, not an age"


def test_without_a_date_the_newest_timestamp_of_the_tasks_is_the_apis_now():
    rows = by_id(task_ages([
        task(ID_A, "RUNNING", "2026-05-23T05:00:00Z", updated_on="2026-05-23T05:01:00Z"),
        task(ID_B, "NEW", "2026-05-23T08:20:00+03:00"),
        task(ID_C, "FINISHED", "2026-05-23T05:30:00", finished_on="2026-05-23T05:40:00.25",
             acknowledged_at="2026-05-23T05:50:00Z"),
    ]))
    assert rows[ID_A]["age_seconds"] == 3000.0, "05:50 (acknowledged_at) - 05:00"
    assert rows[ID_B]["age_seconds"] == 1800.0
    assert rows[ID_C]["age_seconds"] is None and rows[ID_C]["duration_seconds"] == 600.2


def test_the_apis_date_header_or_an_iso_time_sets_now():
    tasks = [task(ID_A, "RUNNING", "2026-12-02T14:00:00Z")]
    assert task_ages(tasks, now="Wed, 02 Dec 2026 14:37:26 GMT")[0]["age_seconds"] == 2246.0
    assert task_ages(tasks, now="2026-12-02T17:10:00+03:00")[0]["age_seconds"] == 600.0
    assert task_ages(tasks, now=None)[0]["age_seconds"] == 0.0
    assert task_ages(tasks, now="")[0]["age_seconds"] == 0.0


def test_a_date_older_than_what_the_api_already_showed_counts_as_that_newest_timestamp():
    tasks = [task(ID_A, "RUNNING", "2026-12-02T14:00:00Z"), task(ID_B, "RUNNING", "2026-12-02T14:00:30.5Z")]
    rows = by_id(task_ages(tasks, now="Wed, 02 Dec 2026 14:00:10 GMT"))
    assert (rows[ID_A]["age_seconds"], rows[ID_B]["age_seconds"]) == (30.5, 0.0)


def test_a_controller_clock_plays_no_part():
    # Tasks from 2001: without a Date they are as old as the newest of them, never "25 years".
    rows = task_ages([task(ID_A, "RUNNING", "2001-01-01T00:00:00Z"), task(ID_B, "RUNNING", "2001-01-01T00:05:00Z")])
    assert [row["age_seconds"] for row in rows] == [300.0, 0.0]


def test_oldest_first_by_time_not_by_text_and_unreadable_times_last():
    rows = task_ages([
        task(ID_A, "FINISHED", "2026-05-23T08:00:00+03:00", finished_on="2026-05-23T05:00:01Z"),  # 05:00Z
        task(ID_C, "RUNNING", "soon"),
        task(ID_B, "RUNNING", "2026-05-23T04:59:59"),
        task(ID_C.replace("0", "1"), "RUNNING", "2026-05-23T04:59:59Z"),
    ])
    assert [row["id"] for row in rows] == [ID_C.replace("0", "1"), ID_B, ID_A, ID_C]
    assert rows[-1]["created_at"] is None and rows[-1]["age_seconds"] is None


def test_missing_or_unreadable_times_give_no_time_and_no_error():
    rows = by_id(task_ages([
        dict(id=ID_A, state="FINISHED", created_on="2026-05-23T05:00:00Z"),
        dict(id=ID_B, state="ERROR", created_on=None, finished_on="2026-05-23T05:00:00Z"),
        dict(id=ID_C, state="RUNNING", created_on="0001-01-01T00:00:00+03:00"),
    ]))
    assert rows[ID_A]["duration_seconds"] is None and rows[ID_A]["finished_at"] is None
    assert rows[ID_B]["duration_seconds"] is None and rows[ID_B]["created_at"] is None
    assert rows[ID_C]["created_at"] is None, "before year 1 in UTC"
    assert rows[ID_C]["age_seconds"] is not None


def test_the_tasks_are_copied_with_their_fields_and_not_changed():
    original = task(ID_A, "RUNNING", "2026-05-23T05:00:00Z", task_type="create_vm", error=None)
    (row,) = task_ages([original])
    assert set(row) == set(original) | {"created_at", "finished_at", "duration_seconds", "age_seconds"}
    assert "age_seconds" not in original
    assert task_ages([]) == []


@pytest.mark.parametrize("value", [{"tasks": []}, "tasks", 5, None])
def test_anything_but_a_list_of_tasks_is_refused(value):
    with pytest.raises(AnsibleFilterError, match="task_ages expects a list of tasks"):
        task_ages(value)


def test_a_list_holding_something_other_than_tasks_is_refused():
    with pytest.raises(AnsibleFilterError, match="one item is not a mapping"):
        task_ages([task(ID_A, "NEW", "2026-05-23T05:00:00Z"), ID_B])


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01T00:00:00Z", 1700000000])
def test_a_now_in_no_known_form_is_refused(value):
    with pytest.raises(AnsibleFilterError, match="now must be an HTTP date"):
        task_ages([task(ID_A, "NEW", "2026-05-23T05:00:00Z")], now=value)


def test_the_filter_is_registered_under_its_name():
    assert FilterModule().filters() == {"task_ages": task_ages}
