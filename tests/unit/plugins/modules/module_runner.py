# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a gcore.tasks module's main() in-process with a fake API client."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import json

from unittest import mock

from ansible.module_utils import basic

from ansible_collections.gcore.tasks.plugins.module_utils import _module


class ModuleExit(Exception):
    """Raised instead of exiting; carries the module's result."""

    def __init__(self, result, failed):
        super(ModuleExit, self).__init__(result.get("msg"))
        self.result = result
        self.failed = failed


@contextlib.contextmanager
def _module_args(args):
    try:
        from ansible.module_utils.testing import patch_module_args
    except ImportError:  # ansible-core before 2.19
        with mock.patch.object(basic, "_ANSIBLE_ARGS", json.dumps({"ANSIBLE_MODULE_ARGS": args}).encode()):
            yield
    else:
        with patch_module_args(args):
            yield


def run_module(main, args, client=None, connection=None):
    """Run main() with args; return (result, failed). C(client) replaces GcoreClient's instances.

    C(connection) replaces the default api_key / api_url arguments (to test their fallbacks).
    """
    def exit_json(self, **result):
        raise ModuleExit(result, False)

    def fail_json(self, msg, **result):
        result["msg"] = msg
        raise ModuleExit(result, True)

    built = []

    def build_client(**kwargs):
        built.append(kwargs)
        if client is None:
            raise AssertionError("the module built an API client although it should fail before any request")
        return client

    if connection is None:
        connection = {"api_key": "unit-key", "api_url": "http://127.0.0.1:9"}
    args = dict(connection, **args)
    with _module_args(args), \
            mock.patch.object(basic.AnsibleModule, "exit_json", exit_json), \
            mock.patch.object(basic.AnsibleModule, "fail_json", fail_json), \
            mock.patch.object(_module, "GcoreClient", side_effect=build_client):
        try:
            main()
        except ModuleExit as exc:
            return exc.result, exc.failed
    raise AssertionError("the module neither exited nor failed")
