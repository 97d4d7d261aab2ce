"""Copy the collection's source files into DEST/ansible_collections/gcore/tasks.

ansible-test must run from a directory shaped ``.../ansible_collections/<ns>/<name>/``
and resolves symlinks, so a symlinked tree is not enough: it gets a real copy.

Files copied: what git tracks plus untracked files that are not ignored
(``git ls-files -co --exclude-standard``), so caches, venvs, tests/output and build/
never reach the copy.  Outside a git work tree, a walk with the same exclusions as
.gitignore's defaults is used instead.

DEST must lie outside the repository (ansible-test would otherwise find the repo's .git
above the copy and list the copy's files with git, seeing none of them).

Usage: copy_collection.py DEST   (prints the collection directory)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Used only when ROOT is not a git work tree.
FALLBACK_EXCLUDE_DIRS = {'.git', '.venv', 'build', '.tmp', '.ansible', '.pytest_cache', '__pycache__', 'output'}


def git_files() -> list[str] | None:
    try:
        out = subprocess.run(
            ['git', '-C', ROOT, 'ls-files', '-z', '-co', '--exclude-standard'],
            check=True, capture_output=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    names = sorted({n.decode('utf-8', 'surrogateescape') for n in out.split(b'\0') if n})
    return names


def walk_files() -> list[str]:
    result = []
    for dirpath, dirnames, filenames in os.walk(ROOT):
        rel_dir = os.path.relpath(dirpath, ROOT)
        dirnames[:] = [
            d for d in dirnames
            if d not in FALLBACK_EXCLUDE_DIRS and not d.startswith('.venv-')
            and not (rel_dir == 'tests' and d == 'output')
        ]
        for name in filenames:
            if name.endswith(('.pyc', '.tar.gz')):
                continue
            result.append(os.path.normpath(os.path.join(rel_dir, name)))
    return sorted(result)


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    dest_root = os.path.abspath(sys.argv[1])
    if dest_root == ROOT or dest_root.startswith(ROOT + os.sep):
        print(f'copy_collection.py: DEST must be outside the repository: {dest_root}', file=sys.stderr)
        return 2
    dest = os.path.join(dest_root, 'ansible_collections', 'gcore', 'tasks')
    if os.path.lexists(dest):
        shutil.rmtree(dest)
    os.makedirs(dest)

    files = git_files()
    if files is None:
        files = walk_files()

    count = 0
    for rel in files:
        src = os.path.join(ROOT, rel)
        if not os.path.lexists(src):  # tracked but deleted in the work tree
            continue
        if os.path.isdir(src) and not os.path.islink(src):  # e.g. a nested repo
            continue
        target = os.path.join(dest, rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(src, target, follow_symlinks=False)
        count += 1

    print(dest)
    print(f'copied {count} files', file=sys.stderr)
    return 0


if __name__ == '__main__':
    sys.exit(main())
