# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Playbook text shared by end-to-end tests and the benches in tests/bench (not collected by pytest)."""

import textwrap


def localhost_play(tasks, name=None, **defaults):
    """Playbook text of one play on localhost, without facts, whose gcore.tasks modules default to project 1,
    region 76 and C(defaults) (e.g. wait_sleep=0.2). C(tasks) is the YAML text of its task list, not indented."""
    lines = ["- name: %s" % name, "  hosts: localhost"] if name else ["- hosts: localhost"]
    lines += ["  gather_facts: false", "  module_defaults:", "    group/gcore.tasks.all:", "      project_id: 1",
              "      region_id: 76"]
    lines += ["      %s: %s" % (key, value) for key, value in defaults.items()]
    return "\n" + "\n".join(lines) + "\n  tasks:\n" + textwrap.indent(tasks, " " * 4)
