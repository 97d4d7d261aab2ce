# -*- coding: utf-8 -*-
# This module_utils file is PRIVATE to the gcore.tasks collection.
# It may change at any time without notice; do not import it from other collections.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Whether the controller that started a module is still there, so a cancelled job stops sending.

ansible-runner (AWX, CI, ansible-navigator --ee false) cancels a job by SIGKILL to
ansible-playbook's process group. Ansible's workers run in sessions of their own, so they and
the modules they started live on. The collection's action plugins (plugin_utils/_progress_action)
hold a shared lock on the progress file named in PROGRESS_FILE_ENV while their module runs, and
drop it (removing the file) once ansible-playbook is gone; a killed worker drops it too. A
module run another way has one sign left: its parent process changed.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import os
import time

try:
    import fcntl
except ImportError:  # not on the controller (progress files exist only there)
    fcntl = None

from ansible_collections.gcore.tasks.plugins.module_utils._errors import GcoreError
from ansible_collections.gcore.tasks.plugins.module_utils._progress import PROGRESS_FILE_ENV

# A sliced sleep looks whether the controller is gone this often (seconds).
CHECK_EVERY = 0.1


class ControllerGone(GcoreError):
    """The controller that started the module is gone (the job was cancelled): nothing more is sent."""

    retryable = False
    not_processed = True  # raised before the call is sent

    def __init__(self, message=None, **kwargs):
        super(ControllerGone, self).__init__(
            message or "the controller is gone (the job was cancelled or killed): the module stopped and sent "
                       "nothing more; tasks already started run on, a rerun with unique_by adopts them", **kwargs)


class Liveness(object):
    """Tells whether the controller is still there: gone() is cheap enough to ask before every request.

    C(getppid), C(clock) and C(nap) are injectable for tests.
    """

    def __init__(self, environ=None, getppid=os.getppid, clock=time.monotonic, nap=time.sleep):
        self._getppid = getppid
        self.clock = clock
        self.nap = nap
        self.parent = getppid()
        self.path = (os.environ if environ is None else environ).get(PROGRESS_FILE_ENV) or None
        # The lock is a sign only when the action plugin holds it at the start (never when nobody does).
        self.watch_lock = bool(self.path) and self._lock_state() is True
        self.gone_since = None

    def gone(self):
        """True once the parent process changed or the controller dropped its lock on the progress file."""
        if self.gone_since is None:
            dropped = self.watch_lock and self._lock_state() is False
            if self._getppid() != self.parent or dropped:
                self.gone_since = self.clock()
                self._remove_progress_file()
        return self.gone_since is not None

    def check(self):
        """Raise ControllerGone when the controller is gone."""
        if self.gone():
            raise ControllerGone()

    def sleep(self, seconds):
        """Sleep C(seconds) in slices of CHECK_EVERY; raise ControllerGone as soon as the controller is gone."""
        ends = self.clock() + max(0.0, seconds)
        while True:
            self.check()
            left = ends - self.clock()
            if left <= 0:
                return
            self.nap(min(CHECK_EVERY, left))

    def _lock_state(self):
        """True while someone holds a lock on the progress file, False when not or it is missing, None if unknown."""
        if fcntl is None:
            return None
        try:
            descriptor = os.open(self.path, os.O_RDONLY)
        except OSError as exc:
            return False if exc.errno == errno.ENOENT else None
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            return True if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK) else None
        finally:
            os.close(descriptor)  # also drops the lock just taken
        return False

    def _remove_progress_file(self):
        """Nobody reads the progress lines any more: do not leave the file behind."""
        if not self.path:
            return
        try:
            os.unlink(self.path)
        except OSError:
            pass


class NeverGone(object):
    """The Liveness of a client used outside a module run (tests, tools): the controller is always there."""

    def gone(self):
        return False

    def check(self):
        return None

    def sleep(self, seconds):
        time.sleep(max(0.0, seconds))
