# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

import pytest

from ansible_collections.gcore.tasks.plugins.module_utils._tasks import (
    MASK,
    mask_sensitive,
    merge_created_resources,
    normalize_task_ids,
    normalize_timestamp,
    parse_timestamp,
    present_task,
)

ID_A = "26986bc0-748a-4448-b836-0a2aa465eb06"
ID_B = "d478ae29-dedc-4869-82f0-96104425f565"


def test_task_ids_are_deduplicated_case_insensitively_in_given_order():
    assert normalize_task_ids([ID_B, ID_A.upper(), ID_B, ID_A]) == [ID_B, ID_A]


@pytest.mark.parametrize("bad", [
    "../" + ID_A, ID_A + "?x=1", ID_A + "#", "%2F" + ID_A[3:], ID_A[:-1] + " ", ID_A + "\n",
    "not-a-uuid", "", "12345", ID_A.replace("-", ""),
])
def test_task_ids_that_are_not_uuids_are_refused_and_named(bad):
    with pytest.raises(ValueError) as err:
        normalize_task_ids([ID_A, bad])
    assert repr(bad) in str(err.value)
    assert "must be UUIDs" in str(err.value)


def test_non_string_task_ids_are_refused():
    with pytest.raises(ValueError):
        normalize_task_ids([ID_A, 5])


def test_empty_task_ids_are_refused():
    with pytest.raises(ValueError) as err:
        normalize_task_ids([])
    assert "empty" in str(err.value)


def test_ten_thousand_ids_are_accepted_and_more_are_refused():
    many = ["00000000-0000-4000-8000-%012d" % n for n in range(10001)]
    assert len(normalize_task_ids(many[:10000])) == 10000
    with pytest.raises(ValueError) as err:
        normalize_task_ids(many)
    assert "at most 10000" in str(err.value)


@pytest.mark.parametrize("text", ["2026-05-23T05:07:31", "2026-05-23T05:07:31Z", "2026-05-23T05:07:31+00:00",
                                  "2026-05-23T07:07:31+02:00", "2026-05-23T05:07:31.000000",
                                  "2026-05-23T05:07:31+0000", "2026-05-23T06:07:31+0100"])
def test_timestamps_with_and_without_zone_are_the_same_utc_moment(text):
    assert parse_timestamp(text) == datetime.datetime(2026, 5, 23, 5, 7, 31, tzinfo=datetime.timezone.utc)


@pytest.mark.parametrize("text", ["yesterday", "2026-13-01T00:00:00", "2026-05-23T25:07:00", "", None])
def test_malformed_filter_timestamps_are_refused_with_the_option_name(text):
    with pytest.raises(ValueError) as err:
        normalize_timestamp(text, "from_timestamp")
    assert "from_timestamp" in str(err.value)


def test_filter_timestamps_are_sent_in_utc_with_a_zone():
    assert normalize_timestamp("2026-05-23T07:07:31+02:00", "x") == "2026-05-23T05:07:31.000000Z"


def test_union_of_created_resources_keeps_every_id_once_and_skips_empty_and_null():
    tasks = [
        {"id": "t1", "created_resources": {"volumes": ["v1"], "instances": []}},
        {"id": "t2", "created_resources": None},
        {"id": "t3", "created_resources": {"volumes": ["v2", "v1"], "projects": [7]}},
        {"id": "t4"},
    ]
    union, by_task = merge_created_resources(tasks)
    assert union == {"volumes": ["v1", "v2"], "projects": [7]}
    assert by_task == {"t1": {"volumes": ["v1"]}, "t3": {"volumes": ["v2", "v1"], "projects": [7]}}


def test_sensitive_values_are_masked_at_any_depth_and_others_kept():
    data = {"name": "vm1", "password": "hunter2", "user_data": "I2Nsb3Vk",
            "interfaces": [{"type": "external", "secret": {"payload": "x"}}],
            "volumes": [{"source": "image", "name": "boot"}], "keypair_name": "mine", "ssh_key": "ssh-rsa AAA"}
    masked = mask_sensitive(data)
    assert masked["password"] == MASK and masked["user_data"] == MASK and masked["ssh_key"] == MASK
    assert masked["interfaces"][0]["secret"] == MASK
    assert masked["name"] == "vm1" and masked["volumes"] == data["volumes"] and masked["keypair_name"] == "mine"
    assert data["password"] == "hunter2"


def test_task_data_is_returned_untouched_when_masking_is_off():
    task = {"id": ID_A, "data": {"password": "hunter2"}}
    assert present_task(task, mask_data=False)["data"]["password"] == "hunter2"
    assert present_task(task, mask_data=True)["data"]["password"] == MASK
