# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check mode through a chain: gcore_task_wait given no task IDs by a write that sent nothing."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.gcore.tasks.plugins.modules import gcore_task_wait

from ansible_collections.gcore.tasks.tests.unit.plugins.modules.module_runner import run_module


def test_wait_in_check_mode_with_no_task_ids_succeeds_without_a_client():
    result, failed = run_module(gcore_task_wait.main, {"task_ids": [], "_ansible_check_mode": True})
    assert not failed, result
    assert result["changed"] is False and result["tasks"] == [] and result["created_resources"] == {}
    assert "ansible_facts" not in result, "the facts of the write before are left as they were"


def test_wait_outside_check_mode_still_refuses_no_task_ids():
    result, failed = run_module(gcore_task_wait.main, {"task_ids": []})
    assert failed and "task_ids is empty" in result["msg"]


def test_wait_in_check_mode_still_checks_its_options():
    result, failed = run_module(gcore_task_wait.main, {"task_ids": [], "wait_timeout": 0, "_ansible_check_mode": True})
    assert failed and "wait_timeout must be a positive" in result["msg"]
