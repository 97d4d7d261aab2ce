#!/usr/bin/env bash
# Build the collection tarball, check what it holds, install it, and run the demo
# playbook from the installed copy against the local sandbox.
#
#   tests/ci/galaxy.sh
#
# The tarball is built from the work tree itself (not a copy), so galaxy.yml's
# build_ignore is what keeps venvs, caches and test outputs out of it.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/gcore-galaxy.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

# Nothing from the repo's collection tree may leak into the installed-copy checks.
unset PYTHONPATH ANSIBLE_COLLECTIONS_PATHS

ansible-galaxy collection build --force --output-path "$tmp/dist" .
tarball="$(ls "$tmp"/dist/gcore-tasks-*.tar.gz)"
echo "built $(basename "$tarball") ($(du -k "$tarball" | cut -f1) KiB)"

tar -tzf "$tarball" | sed 's|^\./||' | sort >"$tmp/contents.txt"
echo "$(wc -l <"$tmp/contents.txt") entries"

# Forbidden: caches, test outputs, venvs, build dirs, VCS data, nested tarballs.
forbidden='(^|/)(__pycache__|\.pytest_cache|\.ansible|\.git|\.venv[^/]*|\.tmp|\.mypy_cache|\.ruff_cache|\.tox|\.ci)(/|$)|^build(/|$)|^tests/output(/|$)|\.py[co]$|\.tar\.gz$'
if grep -E "$forbidden" "$tmp/contents.txt"; then
    echo "FAIL: the tarball holds the entries above (caches/outputs/venvs); extend build_ignore in galaxy.yml"
    exit 1
fi
for required in MANIFEST.json FILES.json meta/runtime.yml; do
    if ! grep -qx "$required" "$tmp/contents.txt"; then
        echo "FAIL: the tarball has no $required"
        exit 1
    fi
done
for f in plugins/modules/*.py; do
    [ -e "$f" ] || continue
    grep -qx "$f" "$tmp/contents.txt" || { echo "FAIL: the tarball has no $f"; exit 1; }
done
echo "ok: tarball contents"

export ANSIBLE_COLLECTIONS_PATH="$tmp/collections"
export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false
ansible-galaxy collection install --offline --force -p "$tmp/collections" "$tarball"
installed="$tmp/collections/ansible_collections/gcore/tasks"
test -f "$installed/MANIFEST.json"
ansible-galaxy collection list gcore.tasks
ansible-galaxy collection verify --offline gcore.tasks

if [ ! -f "$installed/examples/demo.yml" ]; then
    bash "$ROOT/tests/ci/skip.sh" "examples/demo.yml does not exist (build, contents and install passed)"
    exit 0
fi
# Run from a directory outside the repo so nothing resolves against the work tree.
cd "$tmp"
bash "$ROOT/tests/ci/with_sandbox.sh" ansible-playbook "$installed/examples/demo.yml"
