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


def _documented_plugins():
    """(path, parsed DOCUMENTATION) of every module and plugin that carries its own docs."""
    import ast
    found = []
    for kind in sorted(os.listdir(os.path.join(COLLECTION_ROOT, "plugins"))):
        folder = os.path.join(COLLECTION_ROOT, "plugins", kind)
        if kind in ("module_utils", "doc_fragments") or not os.path.isdir(folder):
            continue
        for name in sorted(os.listdir(folder)):
            if not name.endswith(".py") or name == "__init__.py":
                continue
            path = os.path.join(folder, name)
            with open(path) as handle:
                tree = ast.parse(handle.read())
            for node in tree.body:
                if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "DOCUMENTATION" for t in node.targets):
                    found.append((path, yaml.safe_load(node.value.value)))
    return found


def test_every_plugin_names_the_collections_own_authors_not_a_gcore_team():
    documented = _documented_plugins()
    assert documented, "no documented plugins found"
    for path, doc in documented:
        authors = doc.get("author") or []
        authors = [authors] if isinstance(authors, str) else authors
        assert authors, "%s has no author" % path
        for author in authors:
            assert "G-Core" not in author and "Gcore Cloud automation team" not in author, (path, author)


def test_galaxy_metadata_links_nowhere_that_does_not_exist():
    with open(os.path.join(COLLECTION_ROOT, "galaxy.yml")) as handle:
        galaxy = yaml.safe_load(handle)
    for key in ("repository", "documentation", "homepage", "issues"):
        assert "github.com/gcore/ansible-collection-tasks" not in str(galaxy.get(key) or ""), key
    assert galaxy["authors"] and all("G-Core" not in author for author in galaxy["authors"])
