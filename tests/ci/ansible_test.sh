#!/usr/bin/env bash
# Run ansible-test on a fresh copy of the collection.
#
#   tests/ci/ansible_test.sh VENV PYTHON_VERSION sanity|units [extra ansible-test args...]
#
# VENV is a virtual environment holding the ansible-core to test with (e.g. .venv-ac216).
# The collection is copied (git-tracked + untracked-not-ignored files) to a temp dir of
# the shape .../ansible_collections/gcore/tasks, since ansible-test needs that layout and
# resolves symlinks; the pip bootstrap stand-in is written first (no network to the
# host ansible-test downloads get-pip.py from). Runs with --venv (no containers).
# Set KEEP_ANSIBLE_TEST_TREE=1 to keep the copy (and its tests/output) for inspection.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="$(cd "$1" && pwd)"
pyver="$2"
command="$3"
shift 3

python="$venv/bin/python"
"$python" "$ROOT/tests/ci/install_get_pip_standin.py" "$python"

work="$(mktemp -d "${TMPDIR:-/tmp}/gcore-ansible-test.XXXXXX")"
if [ "${KEEP_ANSIBLE_TEST_TREE:-}" = 1 ]; then
    trap 'echo "kept ansible-test tree: $work" >&2' EXIT
else
    trap 'rm -rf "$work"' EXIT
fi
collection="$("$python" "$ROOT/tests/ci/copy_collection.py" "$work")"
cd "$collection"

# The repo-level test environment (collection tree symlink) must not leak into
# ansible-test: it sets up its own collection paths and PYTHONPATH.
unset PYTHONPATH ANSIBLE_COLLECTIONS_PATH ANSIBLE_COLLECTIONS_PATHS
# ansible-test looks for pythonX.Y on PATH to create its venvs; pyenv shims for a
# version that is not selected fail, so the controller venv's bin goes first.
export PATH="$venv/bin:$PATH"

"$venv/bin/ansible-test" --version
"$venv/bin/ansible-test" "$command" --venv --python "$pyver" --color no "$@"
