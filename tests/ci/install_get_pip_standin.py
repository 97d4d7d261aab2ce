"""Write offline stand-ins for ansible-test's pip bootstrap script.

ansible-test (``--venv``) bootstraps pip into each virtual environment it creates by
running ``~/.ansible/test/cache/get_pip_<X_Y_Z>.py``; when that file is missing it
downloads it from a host this CI cannot reach, and every sanity test that has
requirements then fails with "does not have pip available".

The stand-in written here needs no network for pip itself: it puts the pip wheel that
CPython bundles for ``ensurepip`` (``ensurepip/_bundled/pip-*.whl``) on ``sys.path`` and
runs ``pip install <args>`` with it, like get-pip.py does.  The requested packages
(``pip==X``, and for older ansible-core ``setuptools``/``wheel``) are then installed
from the package index as usual.  ``--no-setuptools``/``--no-wheel`` are get-pip.py
options that pip itself does not know, so they are dropped.

Usage::

    install_get_pip_standin.py [--force] PYTHON [PYTHON ...]

Each PYTHON is the interpreter of a virtual environment that has ansible-core (and so
ansible-test) installed; the pip version it wants is read from its ansible-test source.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys

STANDIN = '''\
"""Offline stand-in for get-pip.py, written by tests/ci/install_get_pip_standin.py.

Uses the pip wheel bundled with CPython (ensurepip) to run "pip install <args>".
"""
import glob
import os
import sys


def _bundled_pip_wheel():
    import ensurepip

    bundled = os.path.join(os.path.dirname(ensurepip.__file__), "_bundled")
    wheels = sorted(glob.glob(os.path.join(bundled, "pip-*.whl")))
    if not wheels:
        raise SystemExit("get-pip stand-in: no bundled pip wheel in %s" % bundled)
    return wheels[-1]


def main():
    args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
    sys.path.insert(0, _bundled_pip_wheel())
    from pip._internal.cli.main import main as pip_main

    return pip_main(["install"] + args)


if __name__ == "__main__":
    sys.exit(main())
'''

MARKER = 'written by tests/ci/install_get_pip_standin.py'
CACHE_DIR = os.path.expanduser('~/.ansible/test/cache')

FIND_VERSION = r'''
import os, re, ansible_test
path = os.path.join(os.path.dirname(ansible_test.__file__), "_internal", "python_requirements.py")
with open(path, encoding="utf-8") as f:
    src = f.read()
m = re.search(r"default_packages\s*=\s*dict\(\s*pip='([^']+)'", src)
print(m.group(1) if m else "")
'''


def pip_version_for(python: str) -> str:
    out = subprocess.run([python, '-c', FIND_VERSION], check=True, capture_output=True, text=True).stdout.strip()
    if not re.fullmatch(r'[0-9][0-9.]*', out):
        raise SystemExit(f'could not find the bootstrap pip version in ansible-test of {python}')
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--force', action='store_true', help='overwrite an existing non-stand-in script')
    parser.add_argument('pythons', nargs='+')
    args = parser.parse_args()

    os.makedirs(CACHE_DIR, exist_ok=True)
    for python in args.pythons:
        version = pip_version_for(python)
        path = os.path.join(CACHE_DIR, 'get_pip_%s.py' % version.replace('.', '_'))
        if os.path.exists(path):
            with open(path, encoding='utf-8') as f:
                current = f.read()
            if current == STANDIN:
                continue
            if MARKER not in current and not args.force:
                # A real get-pip.py (downloaded where the host is reachable): keep it.
                print(f'keeping existing {path}')
                continue
        tmp = path + '.tmp'
        with open(tmp, 'w', encoding='utf-8') as f:
            f.write(STANDIN)
        os.replace(tmp, path)
        print(f'wrote pip {version} bootstrap stand-in: {path}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
