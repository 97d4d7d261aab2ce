# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How the modules resolve their options: which source wins, shapes shared by every module."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from unittest import mock

from ansible_collections.gcore.tasks.plugins.module_utils._client import DEFAULT_API_URL
from ansible_collections.gcore.tasks.plugins.module_utils._task_info import TaskInfoModule
from ansible_collections.gcore.tasks.plugins.modules import gcore_request, gcore_task_ack, gcore_task_info, gcore_task_wait
from ansible_collections.gcore.tasks.tests.unit.plugins.modules.module_runner import _module_args, run_module


def resolved_params(args, environ):
    """The parameters a module ends up with for these task arguments and this environment."""
    env = dict((key, value) for key, value in os.environ.items() if not key.startswith("GCORE_"))
    env.update(environ)
    with _module_args(dict({"api_key": "unit-key"}, **args)), mock.patch.dict(os.environ, env, clear=True):
        return TaskInfoModule().params


def test_api_url_option_wins_over_gcore_base_url_and_the_default():
    params = resolved_params({"api_url": "https://option.example"}, {"GCORE_BASE_URL": "https://env.example"})
    assert params["api_url"] == "https://option.example"


def test_gcore_base_url_wins_over_the_default_when_the_option_is_not_given():
    params = resolved_params({}, {"GCORE_BASE_URL": "https://env.example"})
    assert params["api_url"] == "https://env.example"


def test_api_url_default_applies_only_when_neither_option_nor_environment_is_set():
    assert resolved_params({}, {})["api_url"] == DEFAULT_API_URL == "https://api.gcore.com"


def test_an_empty_gcore_base_url_is_refused_not_replaced_by_the_default():
    with mock.patch.dict(os.environ, {"GCORE_BASE_URL": ""}):
        result, failed = run_module(gcore_task_info.main, {"task_ids": ["26986bc0-748a-4448-b836-0a2aa465eb06"]},
                                    connection={"api_key": "unit-key"})
    assert failed and "api_url must be an http" in result["msg"]


def test_a_missing_api_key_fails_saying_where_a_key_comes_from_before_any_client_exists():
    env = dict((key, value) for key, value in os.environ.items() if not key.startswith("GCORE_"))
    task_id = "26986bc0-748a-4448-b836-0a2aa465eb06"
    for main, args in ((gcore_task_info.main, {"task_ids": [task_id]}), (gcore_task_wait.main, {"task_ids": [task_id]}),
                       (gcore_task_ack.main, {"task_ids": [task_id]}), (gcore_request.main, {"path": "/cloud/v1/volumes"})):
        with mock.patch.dict(os.environ, env, clear=True):
            result, failed = run_module(main, args, connection={})
        assert failed and result["msg"].startswith("api_key is missing: set the api_key option"), result["msg"]
        assert "GCORE_API_KEY" in result["msg"] and "module_defaults" in result["msg"]
