# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # What every gcore.tasks module supports besides check mode, which each module describes (gcore.tasks.attributes).
    DOCUMENTATION = r"""
attributes:
  diff_mode:
    support: none
  platform:
    platforms: all
  action_group:
    membership:
      - gcore.tasks.all
"""
