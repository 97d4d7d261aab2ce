# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A module notices that the controller is gone and sends nothing more (issue #18, point 3)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fcntl
import os
import threading
import time

import pytest

from ansible_collections.gcore.tasks.plugins.module_utils._cancel import ControllerGone, Liveness
from ansible_collections.gcore.tasks.plugins.module_utils._client import GcoreClient
from ansible_collections.gcore.tasks.plugins.module_utils._progress import PROGRESS_FILE_ENV
from ansible_collections.gcore.tasks.plugins.module_utils._waiter import TaskWaiter

TASK_ID = "26986bc0-748a-4448-b836-0a2aa465eb06"


class Parent(object):
    """A getppid() whose answer a test changes, as when ansible-playbook's process is killed."""

    def __init__(self):
        self.pid = 4242

    def __call__(self):
        return self.pid


@pytest.fixture
def progress_file(tmp_path):
    """A progress file locked as the action plugin locks it; yields (environ, controller) where controller.close()
    drops the lock as a killed worker (or the plugin, once ansible-playbook is gone) does."""
    path = tmp_path / "gcore-progress-test.txt"
    path.write_text("")
    controller = open(str(path), "r")
    fcntl.flock(controller.fileno(), fcntl.LOCK_SH)
    yield {PROGRESS_FILE_ENV: str(path)}, controller
    controller.close()


def test_the_controller_is_there_while_the_parent_process_stays_and_the_lock_is_held(progress_file):
    environ, _controller = progress_file
    liveness = Liveness(environ=environ, getppid=Parent())
    assert not liveness.gone()
    liveness.check()


def test_a_changed_parent_process_means_the_controller_is_gone():
    parent = Parent()
    liveness = Liveness(environ={}, getppid=parent)
    parent.pid = 1  # the parent died: the process was re-parented to init (or a subreaper)
    assert liveness.gone()
    with pytest.raises(ControllerGone) as err:
        liveness.check()
    assert not err.value.retryable and err.value.not_processed
    assert "cancelled" in str(err.value) and "unique_by" in str(err.value)


def test_a_dropped_lock_means_the_controller_is_gone_and_the_progress_file_is_removed(progress_file):
    environ, controller = progress_file
    liveness = Liveness(environ=environ, getppid=Parent())
    controller.close()
    assert liveness.gone()
    assert not os.path.exists(environ[PROGRESS_FILE_ENV]), "nobody reads the lines any more: no file left behind"


def test_a_removed_progress_file_means_the_controller_is_gone(progress_file):
    environ, _controller = progress_file
    liveness = Liveness(environ=environ, getppid=Parent())
    os.unlink(environ[PROGRESS_FILE_ENV])
    assert liveness.gone()


def test_a_progress_file_nobody_locked_at_the_start_is_no_sign(tmp_path):
    path = tmp_path / "gcore-progress-unlocked.txt"
    path.write_text("")
    liveness = Liveness(environ={PROGRESS_FILE_ENV: str(path)}, getppid=Parent())
    assert not liveness.gone(), "a module run without the action plugin's lock is not cancelled by it"
    assert path.exists()


def test_a_sliced_sleep_ends_as_soon_as_the_controller_is_gone():
    parent = Parent()
    now = [0.0]
    naps = []

    def nap(seconds):
        naps.append(seconds)
        now[0] += seconds
        if len(naps) == 3:
            parent.pid = 1

    liveness = Liveness(environ={}, getppid=parent, clock=lambda: now[0], nap=nap)
    with pytest.raises(ControllerGone):
        liveness.sleep(60)
    assert len(naps) == 3 and now[0] < 1


def test_a_sleep_of_a_live_controller_lasts_its_time():
    now = [0.0]

    def nap(seconds):
        now[0] += seconds

    Liveness(environ={}, getppid=Parent(), clock=lambda: now[0], nap=nap).sleep(2.0)
    assert now[0] == pytest.approx(2.0)


@pytest.fixture
def counting(server):
    """Answers 429 with Retry-After 30 to the first request and a running task after; C(seen) counts requests."""
    server.script = [(429, {"Retry-After": "30"}, {"message": "slow down"})]
    server.default = (200, {}, dict(id=TASK_ID, state="RUNNING", task_type="create_volume"))
    return server


def test_no_request_is_sent_once_the_controller_is_gone(counting):
    parent = Parent()
    client = GcoreClient("key", api_url=counting.url, liveness=Liveness(environ={}, getppid=parent))
    parent.pid = 1
    with pytest.raises(ControllerGone):
        client.call("POST", "/cloud/v1/volumes/1/2", json_body={})
    with pytest.raises(ControllerGone):
        client.get_task(TASK_ID)
    assert not counting.seen


def test_a_throttle_pause_ends_when_the_controller_goes(counting):
    parent = Parent()
    client = GcoreClient("key", api_url=counting.url, liveness=Liveness(environ={}, getppid=parent))
    threading.Timer(0.3, lambda: setattr(parent, "pid", 1)).start()
    started = time.monotonic()
    with pytest.raises(ControllerGone):
        client.get_task(TASK_ID)  # answered 429 with Retry-After 30
    assert time.monotonic() - started < 5 and len(counting.seen) == 1


def test_a_wait_ends_within_a_round_once_the_controller_is_gone(counting):
    parent = Parent()
    client = GcoreClient("key", api_url=counting.url, liveness=Liveness(environ={}, getppid=parent))
    counting.script = []  # no 429 here
    waiter = TaskWaiter(client)
    threading.Timer(0.5, lambda: setattr(parent, "pid", 1)).start()
    started = time.monotonic()
    with pytest.raises(ControllerGone):
        waiter.wait([TASK_ID], timeout=600, interval=1)
    assert time.monotonic() - started < 2
    assert len(counting.seen) <= 2, "at most one more round was read"
