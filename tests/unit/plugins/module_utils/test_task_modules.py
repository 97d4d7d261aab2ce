# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.gcore.tasks.plugins.module_utils._wait_result import describe as _describe

TASK_ID = "26986bc0-748a-4448-b836-0a2aa465eb06"


def test_a_pending_task_read_with_a_null_state_is_not_called_unread():
    summary = {"id": TASK_ID, "task_type": "create_volume", "state": None, "error": None}
    assert _describe([summary], with_error=False, read={TASK_ID: {"id": TASK_ID}}) == (
        "%s (create_volume, no state)" % TASK_ID)
    assert _describe([dict(summary, task_type=None)], with_error=False) == "%s (unknown type, unread)" % TASK_ID
    assert _describe([dict(summary, state=7)], with_error=False, read={TASK_ID: {}}) == (
        "%s (create_volume, 7)" % TASK_ID)
