# -*- coding: utf-8 -*-
# This plugin_utils file is PRIVATE to the gcore.tasks collection.
# It may change at any time without notice; do not import it from other collections.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The action plugin base of the waiting modules: runs the module, shows its progress lines live,
and tells the module when the controller is gone."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fcntl
import os
import signal
import tempfile
import threading

from ansible import constants as C
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display
from ansible.utils.vars import merge_hash

from ansible_collections.gcore.tasks.plugins.module_utils._progress import PROGRESS_FILE_ENV
from ansible_collections.gcore.tasks.plugins.module_utils._record import RECORD_FACT, merge_records

# How often the helper thread looks at the file and at ansible-playbook (seconds).
_WATCH_EVERY = 0.05
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

    The file is also the module's sign that the controller is there (see module_utils/_cancel):
    this worker holds a shared lock on it while the module runs. ansible-runner cancels a job by
    SIGKILL to ansible-playbook's process group, which the workers (in sessions of their own)
    survive: once ansible-playbook is gone, the helper thread removes the file and drops the
    lock, and the module stops. SIGTERM (ansible-playbook forwards it to each worker, whose
    handler exits at once) removes the file before the worker's handler runs.
    """

    def run(self, tmp=None, task_vars=None):
        self._supports_check_mode = True
        self._supports_async = True
        result = super(ProgressActionBase, self).run(tmp, task_vars)
        del tmp  # ansible-core ignores it; the module's own temporary directory is used
        wrap_async = self._task.async_val and not self._connection.has_native_async
        if self._runs_here():
            module_result = self._execute_watched(task_vars, (task_vars or {}).get("inventory_hostname"))
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
        record = merge_records(self._current_record(task_vars), result)
        result.setdefault("ansible_facts", {})[RECORD_FACT] = record

    @staticmethod
    def _current_record(task_vars):
        """The host's record: the fact as this host set it, merged with the variable of that name
        (an earlier AWX node's set_stats, an extra var)."""
        facts = task_vars.get("ansible_facts")
        return merge_records(facts.get(RECORD_FACT) if isinstance(facts, dict) else None, task_vars.get(RECORD_FACT))

    def _runs_here(self):
        """The module runs on this machine, in the foreground: it can be watched (and its lines shown)."""
        return getattr(self._connection, "transport", None) == "local" and not self._task.async_val

    def _execute_watched(self, task_vars, host):
        environments = self._task.environment
        if not isinstance(environments, list):  # ansible-core makes it a list; anything else: no watching
            return self._execute_module(task_vars=task_vars)
        fd, path = tempfile.mkstemp(prefix="gcore-progress-", suffix=".txt", dir=C.DEFAULT_LOCAL_TMP)
        os.close(fd)
        previous = _remove_on_sigterm(path)
        try:
            with open(path, "r") as source:
                fcntl.flock(source.fileno(), fcntl.LOCK_SH)  # held while the module runs: the controller is here
                return self._execute_locked(task_vars, host, environments, source, path)
        finally:
            _restore_sigterm(previous)
            _remove(path)

    def _execute_locked(self, task_vars, host, environments, source, path):
        """Run the module with PROGRESS_FILE_ENV set, a helper thread watching the file and ansible-playbook."""
        position = len(environments)
        environments.append({PROGRESS_FILE_ENV: path})
        done = threading.Event()
        tail = threading.Thread(target=self._watch, name="gcore-progress",
                                args=(source, path, done, host, not self._task.no_log, os.getppid()))
        tail.daemon = True
        tail.start()
        try:
            return self._execute_module(task_vars=task_vars)
        finally:
            del environments[position]
            done.set()
            tail.join()

    def _watch(self, source, path, done, host, show, controller):
        """Show every complete line the module appends until C(done), then the rest; drop the lock once
        ansible-playbook (C(controller), this worker's parent) is gone."""
        prefix = "[%s] %s: " % (host, self._task.action.split(".")[-1])
        pending = ""
        while True:
            finished = done.wait(_WATCH_EVERY)
            if os.getppid() != controller:
                _remove(path)
                fcntl.flock(source.fileno(), fcntl.LOCK_UN)
                return
            pending += source.read()
            lines = pending.split("\n")
            pending = lines.pop()
            for line in lines:
                text = "".join(char for char in line if char.isprintable())[:_MAX_LINE]
                if text and show:
                    display.display(prefix + text)
            if finished:
                return


def _remove(path):
    try:
        os.unlink(path)
    except OSError:
        pass


def _remove_on_sigterm(path):
    """Remove C(path) on SIGTERM, then let the handler in place act; returns that handler (None: not set here)."""
    if threading.current_thread() is not threading.main_thread():
        return None  # signal handlers belong to the main thread
    previous = signal.getsignal(signal.SIGTERM)

    def handler(signum, frame):
        _remove(path)
        if callable(previous):
            previous(signum, frame)
        elif previous != signal.SIG_IGN:
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)

    signal.signal(signal.SIGTERM, handler)
    return (previous,)


def _restore_sigterm(previous):
    if previous is not None:
        signal.signal(signal.SIGTERM, previous[0] if previous[0] is not None else signal.SIG_DFL)
