# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.gcore.tasks.plugins.module_utils._request import (
    all_values,
    answer_task_ids,
    path_problem,
    said_once,
    sensitive_values,
)

TASK_ID = "26986bc0-748a-4448-b836-0a2aa465eb06"


@pytest.mark.parametrize("path", [
    "/cloud/v1/volumes/{project_id}/{region_id}",
    "/cloud/v2/k8s/clusters/1/76/my-cluster.v1_a~b",
    "/cloud/v1/instances/1/76/%s/action" % TASK_ID,
    "/cloud/v1/secrets/1/76/name%20with%20space",
])
def test_api_paths_and_placeholders_pass(path):
    assert path_problem(path) is None


@pytest.mark.parametrize("path, reason", [
    ("", "empty"),
    ("cloud/v1", "start with /"),
    ("http://h/cloud", "scheme or a host"),
    ("//h/cloud", "scheme or a host"),
    ("/cloud/v1/x y", "whitespace"),
    ("/cloud/v1/x\x7f", "control"),
    ("/cloud/v1/x?y=1", "? or #"),
    ("/cloud//v1", "//"),
    ("/cloud/v1/..", ". or .."),
    ("/cloud/./v1", ". or .."),
    ("/cloud/%2E%2E/v1", "encoded"),
    ("/cloud/v1%2fx", "encoded"),
    ("/cloud/v1/%zz", "stray %"),
    ("/cloud/v1/\u00e9", "outside an URL path"),
    ("/cloud/v1/a\\b", "outside an URL path"),
])
def test_unsafe_paths_are_named_with_the_reason(path, reason):
    assert reason in path_problem(path)


def test_sensitive_values_are_the_values_under_sensitive_keys_at_any_depth():
    body = {"name": "web", "password": "pw", "interfaces": [{"type": "external"}],
            "secret": {"name": "tls", "private_key": "PK"}, "metadata": {"auth_token": "tok", "env": "prod"},
            "pin_code": 7, "token_ttl": 123456, "password_enabled": True}
    assert sorted(sensitive_values(body)) == sorted(["pw", "tls", "PK", "tok", "123456"])
    assert sorted(all_values(body)) == sorted(["web", "pw", "external", "tls", "PK", "tok", "prod", "7", "123456"])


def test_answer_task_ids_are_validated_and_lower_cased():
    assert answer_task_ids({"tasks": [TASK_ID.upper()]}) == [TASK_ID]
    assert answer_task_ids({"tasks": []}) == [] and answer_task_ids({"id": "x"}) == [] and answer_task_ids(None) == []
    with pytest.raises(ValueError):
        answer_task_ids({"tasks": ["../etc"]})


def test_answer_tasks_given_as_one_string_is_one_task_id_not_dropped():
    assert answer_task_ids({"tasks": TASK_ID.upper()}) == [TASK_ID]
    assert answer_task_ids({"tasks": None}) == []


@pytest.mark.parametrize("tasks", [{"id": TASK_ID}, 5, True])
def test_answer_tasks_of_another_shape_is_refused_not_dropped(tasks):
    with pytest.raises(ValueError, match="not a list of task IDs"):
        answer_task_ids({"tasks": tasks})


def test_said_once_moves_method_and_path_to_the_top_and_drops_an_answer_that_only_repeats_task_ids():
    task = "26986bc0-748a-4448-b836-0a2aa465eb06"
    result = dict(results=[
        dict(index=0, method="POST", path="/cloud/v1/volumes/1/76", sent=True, status=200,
             json={"tasks": [task.upper()]}, task_ids=[task]),
        dict(index=1, method="POST", path="/cloud/v1/volumes/1/76", sent=True, status=200,
             json={"tasks": [task], "note": "kept: it says more"}, task_ids=[task]),
        dict(index=2, method="POST", path="/cloud/v1/volumes/1/76", sent=True, status=422, json=None, task_ids=[]),
    ])
    said = said_once(result, "POST", "/cloud/v1/volumes/1/76")
    assert said == dict(data=Ellipsis, project_id=1, region_id=76)
    assert (result["method"], result["path"], result["project_id"], result["region_id"]) == (
        "POST", "/cloud/v1/volumes/1/76", 1, 76)
    assert result["results"] == [
        dict(index=0, sent=True, status=200, task_ids=[task]),
        dict(index=1, sent=True, status=200, json={"tasks": [task], "note": "kept: it says more"}, task_ids=[task]),
        dict(index=2, sent=True, status=422, json=None, task_ids=[]),
    ]


def test_said_once_of_a_path_without_project_and_region_says_only_the_data():
    result = dict(results=[dict(index=0, method="GET", path="/cloud/v1/regions", sent=True, status=200,
                                json={"results": []}, task_ids=[])])
    assert said_once(result, "GET", "/cloud/v1/regions") == dict(data=Ellipsis)
    assert "project_id" not in result and result["results"][0]["json"] == {"results": []}
