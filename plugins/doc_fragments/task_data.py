# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # mask_task_data, of every module that returns task objects (gcore.tasks.task_data).
    DOCUMENTATION = r"""
options:
  mask_task_data:
    description:
      - A task's C(data) echoes the parameters of the write call that started it, which can hold
        secrets (an instance's password, C(user_data), a secret's payload, private keys).
      - When V(true), the values of keys that look sensitive (C(password), C(secret), C(token),
        C(private_key), C(user_data), C(payload), ...) are replaced by C(********) at any depth.
      - Set to V(false) to return C(data) exactly as the API sent it.
    type: bool
    default: true
"""
