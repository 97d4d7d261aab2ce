# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import yaml

COLLECTION_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_action_group_all_lists_exactly_the_modules_of_the_collection():
    with open(os.path.join(COLLECTION_ROOT, "meta", "runtime.yml")) as handle:
        runtime = yaml.safe_load(handle)
    modules = sorted(name[:-3] for name in os.listdir(os.path.join(COLLECTION_ROOT, "plugins", "modules"))
                     if name.endswith(".py") and name != "__init__.py")
    assert modules, "no modules found"
    assert sorted(runtime["action_groups"]["all"]) == modules
