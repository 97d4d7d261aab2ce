# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of gcore_cleanup: runs the module with live progress lines, then takes what is gone out of
the host's record fact (docs: the module)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.gcore.tasks.plugins.module_utils._record import RECORD_FACT, merge_records, record_without
from ansible_collections.gcore.tasks.plugins.plugin_utils._progress_action import ProgressActionBase

# Result keys naming IDs that no longer exist after a run.
GONE_KEYS = ("deleted", "already_gone", "with_parent")


class ActionModule(ProgressActionBase):
    """gcore_cleanup, with a line on screen per rank and while it waits; the record fact loses what is gone."""

    def _update_record(self, result, task_vars):
        """Set RECORD_FACT to the host's current record less the IDs this run found gone and the tasks it
        cleared (not in check mode)."""
        if self._play_context.check_mode:
            return
        gone = merge_records(*[dict(created_resources=result.get(key) or {}) for key in GONE_KEYS])
        result.setdefault("ansible_facts", {})[RECORD_FACT] = record_without(
            self._current_record(task_vars), gone["created_resources"], result.get("cleared_task_ids"))
