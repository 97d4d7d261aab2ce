# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import glob
import json
import os
import shutil
import subprocess
import sys

import pytest

from ansible_collections.gcore.tasks.plugins.module_utils._tasks import (
    MASK,
    api_now,
    compact_task,
    mask_sensitive,
    merge_created_resources,
    normalize_task_ids,
    normalize_timestamp,
    parse_http_date,
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


def test_a_compact_task_leaves_out_created_resources_empty_keys_and_what_the_call_said():
    task = dict(id=ID_A, task_type="create_volume", state="FINISHED", project_id=1, region_id=76, error=None,
                data={"name": "v"}, created_resources={"volumes": ["v1"]}, created_on="2026-05-23T05:07:31")
    assert compact_task(task) == dict(id=ID_A, task_type="create_volume", state="FINISHED", project_id=1,
                                      region_id=76, data={"name": "v"})
    said = dict(data=Ellipsis, project_id=1, region_id=8)
    assert compact_task(task, said) == dict(id=ID_A, task_type="create_volume", state="FINISHED",
                                            region_id=76), "a value other than the one said is kept"


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


@pytest.mark.parametrize("text, expected", [
    ("2026-05-23T05:07:31.1", datetime.datetime(2026, 5, 23, 5, 7, 31, 100000)),
    ("2026-05-23T05:07:31.12Z", datetime.datetime(2026, 5, 23, 5, 7, 31, 120000)),
    ("2026-05-23T05:07:31.1234+00:00", datetime.datetime(2026, 5, 23, 5, 7, 31, 123400)),
    ("2026-05-23T05:07:31.12345+0000", datetime.datetime(2026, 5, 23, 5, 7, 31, 123450)),
    ("2026-05-23T05:07:31.123456789", datetime.datetime(2026, 5, 23, 5, 7, 31, 123456)),
    ("2026-05-23T07:07:31.5+02", datetime.datetime(2026, 5, 23, 5, 7, 31, 500000)),
    ("2026-05-23 05:07:31z", datetime.datetime(2026, 5, 23, 5, 7, 31)),
    ("2026-05-23T05:07", datetime.datetime(2026, 5, 23, 5, 7)),
    ("2026-05-23", datetime.datetime(2026, 5, 23)),
])
def test_timestamps_parse_alike_on_every_python_whatever_the_fraction_and_zone(text, expected):
    assert parse_timestamp(text) == expected.replace(tzinfo=datetime.timezone.utc)


@pytest.mark.parametrize("value", [None, 17, [], {}, "", "  ", "2026-05-23T05:07:31+25:00", "2026-02-30T00:00:00",
                                   "2026-05-23T05:07:31.Z", "٢٠٢٦-05-23T05:07:31", "2026-05-23T05:07:31 UTC"])
def test_odd_timestamps_parse_to_none_never_raise(value):
    assert parse_timestamp(value) is None


def test_extreme_years_parse_and_format_without_overflow_or_short_years():
    assert parse_timestamp("0001-01-01T00:00:00").year == 1
    assert parse_timestamp("9999-12-31T23:59:59.999999Z").year == 9999
    assert normalize_timestamp("0001-01-01T00:00:00Z", "x") == "0001-01-01T00:00:00.000000Z"
    with pytest.raises(ValueError):
        normalize_timestamp("0001-01-01T00:00:00+01:00", "from_timestamp")
    with pytest.raises(ValueError):
        normalize_timestamp("9999-12-31T23:59:59-01:00", "to_timestamp")


TIMESTAMP_SAMPLES = ["2026-05-23T05:07:31", "2026-05-23T05:07:31Z", "2026-05-23T05:07:31.1", "2026-05-23T05:07:31.12Z",
                     "2026-05-23T05:07:31.1234+00:00", "2026-05-23T05:07:31.12345+0000", "2026-05-23T05:07:31.123456789",
                     "2026-05-23T07:07:31+02:00", "2026-05-23T05:07:31.123-01:30", "0001-01-01T00:00:00",
                     "9999-12-31T23:59:59.9Z", "2026-13-01T00:00:00", "garbage", "2026-05-23"]
_PARSE_SCRIPT = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("gcore_tasks_under_test", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
parsed = [module.parse_timestamp(text) for text in json.loads(sys.argv[2])]
print(json.dumps([moment.isoformat() if moment else None for moment in parsed]))
"""


def _find_python39():
    """A Python 3.9 that really runs (as tests/ci/find_python.sh finds one), or None.

    pyenv's versions (PYENV_ROOT, ~/.pyenv), then python3.9 on PATH; each candidate is run,
    since a pyenv shim of a version that is not selected is on PATH but exits 127.
    """
    roots = [os.environ.get("PYENV_ROOT", ""), os.path.expanduser("~/.pyenv")]
    candidates = []
    for root in roots:
        if root:
            candidates += sorted(glob.glob(os.path.join(root, "versions", "3.9*", "bin", "python3.9")), reverse=True)
    candidates += [path for path in [shutil.which("python3.9")] if path]
    for candidate in candidates:
        try:
            subprocess.run([candidate, "-c", "import sys; sys.exit(sys.version_info[:2] != (3, 9))"],
                           check=True, capture_output=True, timeout=60)
        except (OSError, subprocess.SubprocessError):
            continue
        return candidate
    return None


_PYTHON39 = _find_python39()


def _python39():
    return _PYTHON39


@pytest.mark.skipif(not _python39(), reason="no Python 3.9 interpreter (pyenv or python3.9 on PATH)")
def test_timestamps_parse_the_same_on_python_3_9_as_here():
    import ansible_collections.gcore.tasks.plugins.module_utils._tasks as tasks_module
    command = [_python39(), "-c", _PARSE_SCRIPT, tasks_module.__file__, json.dumps(TIMESTAMP_SAMPLES)]
    old = json.loads(subprocess.check_output(command, universal_newlines=True))
    here = json.loads(subprocess.check_output([sys.executable] + command[1:], universal_newlines=True))
    assert old == here
    assert old[4] == "2026-05-23T05:07:31.123400+00:00" and old[5] == "2026-05-23T05:07:31.123450+00:00"
    assert old[-3:] == [None, None, "2026-05-23T00:00:00+00:00"]


@pytest.mark.parametrize("value, expected", [
    ("Wed, 02 Dec 2026 14:37:26 GMT", datetime.datetime(2026, 12, 2, 14, 37, 26, tzinfo=datetime.timezone.utc)),
    ("Wed, 02 Dec 2026 17:37:26 +0300", datetime.datetime(2026, 12, 2, 14, 37, 26, tzinfo=datetime.timezone.utc)),
    ("Wed, 02 Dec 2026 14:37:26 -0000", datetime.datetime(2026, 12, 2, 14, 37, 26, tzinfo=datetime.timezone.utc)),
    ("Wed, 02 Dec 2026 16:00:00 GMT, Wed, 02 Dec 2026 14:37:26 GMT",
     datetime.datetime(2026, 12, 2, 14, 37, 26, tzinfo=datetime.timezone.utc)),
    ("yesterday", None), ("", None), (None, None), (1764686246, None),
])
def test_http_dates_parse_to_aware_utc_moments_and_anything_else_to_none(value, expected):
    assert parse_http_date(value) == expected


def test_the_apis_now_is_its_date_header_else_the_newest_timestamp_of_the_tasks_else_unknown():
    client = type("Client", (object,), dict(last_date="Wed, 02 Dec 2026 14:37:26 GMT"))()
    tasks = [dict(created_on="2026-12-02T14:00:00", finished_on="2026-12-02T14:10:00+03:00"),
             dict(created_on="2026-12-02T13:30:00Z", updated_on="2026-12-02T14:05:00.5"), "not a task"]
    assert api_now(client, tasks) == datetime.datetime(2026, 12, 2, 14, 37, 26, tzinfo=datetime.timezone.utc)
    assert api_now(None, tasks) == datetime.datetime(2026, 12, 2, 14, 5, 0, 500000, tzinfo=datetime.timezone.utc)
    assert api_now(None, []) is None
