# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.gcore.tasks.tests.unit.plugins.http_server import ScriptedServer


@pytest.fixture
def server():
    """A ScriptedServer on 127.0.0.1, stopped after the test."""
    scripted = ScriptedServer()
    yield scripted
    scripted.stop()
