# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action plugin side of a cancel (issue #18, point 3): the progress file is the module's sign that the
controller is there; it goes when ansible-playbook goes (SIGKILL of its group) or the worker gets SIGTERM."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fcntl
import os
import signal
import threading
from types import SimpleNamespace

from ansible_collections.gcore.tasks.plugins.module_utils._cancel import Liveness
from ansible_collections.gcore.tasks.plugins.module_utils._progress import PROGRESS_FILE_ENV
from ansible_collections.gcore.tasks.plugins.plugin_utils import _progress_action
from ansible_collections.gcore.tasks.plugins.plugin_utils._progress_action import ProgressActionBase


def _locked_progress_file(tmp_path):
    path = tmp_path / "gcore-progress-unit.txt"
    path.write_text("")
    source = open(str(path), "r")
    fcntl.flock(source.fileno(), fcntl.LOCK_SH)
    return str(path), source


def test_once_ansible_playbook_is_gone_the_watcher_removes_the_file_and_the_module_sees_it(tmp_path):
    path, source = _locked_progress_file(tmp_path)
    liveness = Liveness(environ={PROGRESS_FILE_ENV: path}, getppid=lambda: 4242)
    assert not liveness.gone()
    plugin = SimpleNamespace(_task=SimpleNamespace(action="gcore.tasks.gcore_task_wait"))
    done = threading.Event()
    # The worker's parent was another process when the module started: ansible-playbook is gone.
    watcher = threading.Thread(target=ProgressActionBase._watch,
                               args=(plugin, source, path, done, "h01", True, os.getppid() + 100000))
    watcher.start()
    watcher.join(5)
    try:
        assert not watcher.is_alive(), "the watcher stops once the controller is gone"
        assert not os.path.exists(path)
        assert liveness.gone()
    finally:
        done.set()
        source.close()


def test_while_ansible_playbook_is_there_the_watcher_keeps_the_lock(tmp_path):
    path, source = _locked_progress_file(tmp_path)
    plugin = SimpleNamespace(_task=SimpleNamespace(action="gcore.tasks.gcore_task_wait"))
    done = threading.Event()
    watcher = threading.Thread(target=ProgressActionBase._watch,
                               args=(plugin, source, path, done, "h01", False, os.getppid()))
    watcher.start()
    try:
        done.wait(0.3)  # a few rounds of the watcher
        assert Liveness(environ={PROGRESS_FILE_ENV: path}, getppid=lambda: 1).watch_lock is True
        assert os.path.exists(path)
    finally:
        done.set()
        watcher.join(5)
        source.close()


def test_sigterm_removes_the_progress_file_then_lets_the_workers_handler_act(tmp_path):
    path = tmp_path / "gcore-progress-term.txt"
    path.write_text("")
    received = []
    original = signal.signal(signal.SIGTERM, lambda signum, frame: received.append(signum))
    try:
        previous = _progress_action._remove_on_sigterm(str(path))
        os.kill(os.getpid(), signal.SIGTERM)
        assert received == [signal.SIGTERM], "the worker's own handler still runs"
        assert not path.exists()
        _progress_action._restore_sigterm(previous)
        assert signal.getsignal(signal.SIGTERM) is not None
        os.kill(os.getpid(), signal.SIGTERM)
        assert received == [signal.SIGTERM, signal.SIGTERM], "the worker's handler is back in place"
    finally:
        signal.signal(signal.SIGTERM, original)
