# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


from ansible_collections.gcore.tasks.plugins.doc_fragments import attributes, connection, read_output, task_data, wait_output


class ModuleDocFragment(object):

    # The fragments by concern live in connection.py, attributes.py, task_data.py, read_output.py and
    # wait_output.py; this one names them under their former gcore.tasks.api.* names for modules written
    # against those (new modules extend the files by concern).
    DOCUMENTATION = connection.ModuleDocFragment.DOCUMENTATION
    ATTRIBUTES = attributes.ModuleDocFragment.DOCUMENTATION
    TASK_DATA = task_data.ModuleDocFragment.DOCUMENTATION
    READ_OUTPUT = read_output.ModuleDocFragment.DOCUMENTATION
    WAIT_OUTPUT = wait_output.ModuleDocFragment.DOCUMENTATION
