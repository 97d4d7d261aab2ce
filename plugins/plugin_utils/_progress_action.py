# -*- coding: utf-8 -*-
# This plugin_utils file is PRIVATE to the gcore.tasks collection.
# It may change at any time without notice; do not import it from other collections.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The action plugin base of the waiting modules: runs the module and shows its progress lines live."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import tempfile
import threading

from ansible import constants as C
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display
from ansible.utils.vars import merge_hash

from ansible_collections.gcore.tasks.plugins.module_utils._progress import PROGRESS_FILE_ENV
from ansible_collections.gcore.tasks.plugins.module_utils._record import RECORD_FACT, merge_records

# How often the file is read while the module runs (seconds).
_TAIL_EVERY = 0.25
# A line longer than this is cut: lines come from the module, but the display stays readable.
_MAX_LINE = 400

display = Display()


class ProgressActionBase(ActionBase):
    """Runs the module as the normal action does; on the controller, shows its progress lines as they come.

    The module appends lines to a file this plugin created and named in PROGRESS_FILE_ENV
    (through the task's environment, as ansible-core passes ANSIBLE_ASYNC_DIR). The module
    runs in this thread, so task timeouts and ansible-core's per-task context work as usual;
    a helper thread reads the file and calls Display, which a worker process forwards to
    the controller's output (and ansible-runner's event stream) at once.
    """

    def run(self, tmp=None, task_vars=None):
        self._supports_check_mode = True
        self._supports_async = True
        result = super(ProgressActionBase, self).run(tmp, task_vars)
        del tmp  # ansible-core ignores it; the module's own temporary directory is used
        wrap_async = self._task.async_val and not self._connection.has_native_async
        if self._can_show_progress():
            module_result = self._execute_with_progress(task_vars, (task_vars or {}).get("inventory_hostname"))
        else:
            module_result = self._execute_module(task_vars=task_vars, wrap_async=wrap_async)
        result = merge_hash(result, module_result)
        if not wrap_async:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        if not result.get("failed") and not result.get("skipped") and not self._task.async_val:
            self._update_record(result, task_vars or {})
        return result

    def _update_record(self, result, task_vars):
        """Keep the host's RECORD_FACT: its current value merged with what this call created, adopted or waited for.

        gcore_cleanup's action plugin overrides this to take out what it deleted.
        """
        facts = task_vars.get("ansible_facts")
        # The fact as this host set it, and the variable (an earlier AWX node's set_stats, an extra var).
        current = [facts.get(RECORD_FACT) if isinstance(facts, dict) else None, task_vars.get(RECORD_FACT)]
        record = merge_records(*(current + [result]))
        result.setdefault("ansible_facts", {})[RECORD_FACT] = record

    def _can_show_progress(self):
        """Lines only when the module runs on this machine, in the foreground, and its output may be shown."""
        return (getattr(self._connection, "transport", None) == "local" and not self._task.async_val
                and not self._task.no_log)

    def _execute_with_progress(self, task_vars, host):
        environments = self._task.environment
        if not isinstance(environments, list):  # ansible-core makes it a list; anything else: no lines
            return self._execute_module(task_vars=task_vars)
        fd, path = tempfile.mkstemp(prefix="gcore-progress-", suffix=".txt", dir=C.DEFAULT_LOCAL_TMP)
        os.close(fd)
        position = len(environments)
        environments.append({PROGRESS_FILE_ENV: path})
        done = threading.Event()
        tail = threading.Thread(target=self._show_lines, args=(path, done, host), name="gcore-progress")
        tail.daemon = True
        tail.start()
        try:
            return self._execute_module(task_vars=task_vars)
        finally:
            del environments[position]
            done.set()
            tail.join()
            os.unlink(path)

    def _show_lines(self, path, done, host):
        """Show every complete line the module appends to C(path) until C(done), then the rest."""
        prefix = "[%s] %s: " % (host, self._task.action.split(".")[-1])
        pending = ""
        with open(path, "r") as source:
            while True:
                finished = done.wait(_TAIL_EVERY)
                pending += source.read()
                lines = pending.split("\n")
                pending = lines.pop()
                for line in lines:
                    text = "".join(char for char in line if char.isprintable())[:_MAX_LINE]
                    if text:
                        display.display(prefix + text)
                if finished:
                    return
