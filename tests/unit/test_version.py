# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One version: galaxy.yml, module_utils/_version.py, the changelog and every version_added agree.

galaxy.yml is the source (`make set-version VERSION=X.Y.Z` rewrites it and _version.py
together); _version.py cannot read it at run time, since modules run on targets where
neither galaxy.yml nor MANIFEST.json exists, so this test ties the two. The newest release
in changelogs/changelog.yaml is the galaxy.yml version (released, or being released while
fragments are pending: `make changelog-release` folds them into it). A plugin or role the
changelog lists under a release says that release in version_added; one it does not list yet
is new in the galaxy.yml version. No version_added is newer than galaxy.yml.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import os
import re

import pytest
import yaml

from ansible.module_utils.compat.version import LooseVersion

from ansible_collections.gcore.tasks.plugins.module_utils._version import COLLECTION_VERSION

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOP_LEVEL = re.compile(r"^version_added:\s*['\"]?([0-9][^'\"\s]*)", re.MULTILINE)
ANY_LEVEL = re.compile(r"^\s*version_added:\s*['\"]?([0-9][^'\"\s]*)", re.MULTILINE)


def _read(*parts):
    with open(os.path.join(ROOT, *parts)) as handle:
        return handle.read()


def _galaxy_version():
    return yaml.safe_load(_read("galaxy.yml"))["version"]


def _changelog():
    return yaml.safe_load(_read("changelogs", "changelog.yaml"))


def _plugins():
    """(kind, name) -> (top-level version_added, every version_added in the file)."""
    found = {}
    for kind in ("modules", "filter", "lookup", "inventory", "callback", "connection", "test"):
        for path in sorted(glob.glob(os.path.join(ROOT, "plugins", kind, "*.py"))):
            name = os.path.basename(path)[:-3]
            if name == "__init__":
                continue
            with open(path) as handle:
                text = handle.read()
            top = TOP_LEVEL.findall(text)
            found[(kind, name)] = (top[0] if top else None, ANY_LEVEL.findall(text))
    for path in sorted(glob.glob(os.path.join(ROOT, "roles", "*", "meta", "argument_specs.yml"))):
        name = path.split(os.sep)[-3]
        specs = yaml.safe_load(_read(path))["argument_specs"]
        versions = [spec.get("version_added") for spec in specs.values()]
        found[("role", name)] = (str(versions[0]) if versions[0] else None,
                                 [str(v) for v in ANY_LEVEL.findall(_read(path))])
    return found


def _released_in():
    """(kind, name) -> the release that lists it, from changelogs/changelog.yaml."""
    released = {}
    for version, release in (_changelog().get("releases") or {}).items():
        for name in (entry["name"] for entry in release.get("modules", [])):
            released[("modules", name)] = str(version)
        for kind, entries in (release.get("plugins") or {}).items():
            for entry in entries:
                released[(kind, entry["name"])] = str(version)
        for kind, entries in (release.get("objects") or {}).items():
            for entry in entries:
                released[(kind, entry["name"])] = str(version)
    return released


def test_module_utils_version_is_the_galaxy_version():
    assert COLLECTION_VERSION == _galaxy_version()


def test_the_newest_changelog_release_is_the_galaxy_version():
    releases = sorted((_changelog().get("releases") or {}), key=LooseVersion)
    assert releases and releases[-1] == _galaxy_version(), (
        "galaxy.yml says %s, the newest release in changelogs/changelog.yaml is %s: run "
        "`make changelog-release`" % (_galaxy_version(), releases[-1] if releases else None))


@pytest.mark.parametrize("kind, name", sorted(_plugins()))
def test_version_added_is_the_release_that_brought_it(kind, name):
    top, every = _plugins()[(kind, name)]
    galaxy = LooseVersion(_galaxy_version())
    assert top, "%s %s has no top-level version_added" % (kind, name)
    assert all(LooseVersion(version) <= galaxy for version in every), (kind, name, every, str(galaxy))
    released = _released_in().get((kind, name))
    if released is not None:
        assert top == released, "%s %s: version_added %s, but the changelog lists it under %s" % (
            kind, name, top, released)
    elif kind != "role":  # the changelog of 0.1.0 did not list roles
        assert top == _galaxy_version(), "%s %s is in no release yet, so it is new in %s, not %s" % (
            kind, name, _galaxy_version(), top)
