"""Remove broken venvs from an ansible-test venv cache (``~/.ansible/test/venv``).

ansible-test reuses a cached sanity venv as long as its ``marker.txt`` exists.  A venv
whose build was interrupted, or that two runs built at the same time, can hold the
marker and still lack packages: every later run then fails (``No module named 'yaml'``).
A cached venv is kept only if its interpreter runs, the files ansible-test writes after
installing (``meta.install.json``, ``meta.yaml.json``) are there, and the packages its
install list names can be imported (``yaml`` for PyYAML).  Anything else is removed, and
ansible-test builds it again.

Usage: check_test_venvs.py CACHE_DIR
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

# pip name in the install list -> module to import
IMPORTS = {'pyyaml': 'yaml', 'jinja2': 'jinja2', 'voluptuous': 'voluptuous', 'pylint': 'pylint'}


def problem(venv: str) -> str | None:
    python = os.path.join(venv, 'bin', 'python')
    if not os.path.exists(os.path.join(venv, 'marker.txt')):
        return None  # ansible-test itself removes and rebuilds a venv without a marker
    for name in ('meta.install.json', 'meta.yaml.json'):
        if not os.path.exists(os.path.join(venv, name)):
            return 'no %s' % name
    try:
        with open(os.path.join(venv, 'meta.install.json'), encoding='utf-8') as f:
            install = json.dumps(json.load(f)).lower()
    except (OSError, ValueError) as exc:
        return 'unreadable meta.install.json: %s' % exc
    modules = [module for package, module in IMPORTS.items() if package in install]
    code = 'import %s' % ', '.join(modules) if modules else 'pass'
    try:
        result = subprocess.run([python, '-c', code], capture_output=True, text=True, timeout=120, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        return 'its python does not run: %s' % exc
    if result.returncode != 0:
        return (result.stderr.strip().splitlines() or ['exit %d' % result.returncode])[-1]
    return None


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    cache = sys.argv[1]
    if not os.path.isdir(cache):
        return 0
    for label in sorted(os.listdir(cache)):
        for version in sorted(os.listdir(os.path.join(cache, label))):
            base = os.path.join(cache, label, version)
            if not os.path.isdir(base):
                continue
            for digest in sorted(os.listdir(base)):
                venv = os.path.join(base, digest)
                if not os.path.isdir(venv):
                    continue
                why = problem(venv)
                if why:
                    print('removing broken ansible-test venv %s (%s)' % (venv, why))
                    shutil.rmtree(venv, ignore_errors=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
