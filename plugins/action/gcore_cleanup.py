# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of gcore_cleanup: runs the module with live progress lines, then trims the host's record
fact of what is gone (docs: the module)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.gcore.tasks.plugins.module_utils._record import RECORD_FACT, merge_records, record_without
from ansible_collections.gcore.tasks.plugins.plugin_utils._progress_action import ProgressActionBase

# Result keys naming IDs that no longer exist after a run.
GONE_KEYS = ("deleted", "already_gone", "with_parent")


class ActionModule(ProgressActionBase):
    """gcore_cleanup, with a line on screen per rank and while it waits; the record fact loses what is gone."""

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        self._update_record(result, task_vars or {})
        return result

    def _update_record(self, result, task_vars):
        """After a successful run (not in check mode), set the record fact to the host's current one less what is gone."""
        if result.get("failed") or result.get("skipped") or self._play_context.check_mode:
            return
        gone = merge_records(*[dict(created_resources=result.get(key) or {}) for key in GONE_KEYS])
        current = task_vars.get(RECORD_FACT)
        record = record_without(current if isinstance(current, dict) else {}, gone["created_resources"])
        result.setdefault("ansible_facts", {})[RECORD_FACT] = record
