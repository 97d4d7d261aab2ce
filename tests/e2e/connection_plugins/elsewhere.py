# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Test helper: the local connection under another name, standing in for a remote host
# (an action plugin sees a connection that is not "local"; the module still runs here).

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: elsewhere
short_description: Run on this machine while looking like a remote host (test helper of gcore.tasks)
description:
  - The local connection with another transport name, for delegate_to tests.
author: gcore.tasks contributors
options:
  become_success_timeout:
    type: int
    default: 10
    description: As for the local connection.
    vars:
      - name: ansible_local_become_success_timeout
  become_strip_preamble:
    type: bool
    default: true
    description: As for the local connection.
    vars:
      - name: ansible_local_become_strip_preamble
extends_documentation_fragment:
  - connection_pipelining
"""

from ansible.plugins.connection.local import Connection as LocalConnection


class Connection(LocalConnection):
    transport = "elsewhere"
