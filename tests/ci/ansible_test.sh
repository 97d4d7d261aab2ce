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
#
# ansible-test keeps its per-test venvs and its get-pip cache under ~/.ansible/test (it
# only ever looks there: os.path.expanduser). So HOME points at a cache of this checkout
# and this controller venv: .tmp/ansible-test/<venv name>/home. Two checkouts, or the three
# sanity gates that `make test` runs at once, never share (or half-build) one venv, and the
# user's own HOME is neither read nor written. A lock keeps two runs on the same cache
# apart. Cached venvs that are broken (an interrupted build, a missing package) are
# removed before the run, and a run that still fails the way a broken cache does
# ("No module named ...", "pip is unavailable") is retried once on an empty cache.
# Set KEEP_ANSIBLE_TEST_TREE=1 to keep the copy (and its tests/output) for inspection.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="$(cd "$1" && pwd)"
pyver="$2"
command="$3"
shift 3

python="$venv/bin/python"
cache="${ANSIBLE_TEST_CACHE_DIR:-$ROOT/.tmp/ansible-test/$(basename "$venv")}"
mkdir -p "$cache/home"
cache="$(cd "$cache" && pwd)"

# One run per cache at a time (e.g. `make units` by hand while `make test` runs).
exec 9>"$cache/lock"
if ! flock -n 9; then
    echo "ansible_test.sh: waiting for another ansible-test run on $cache" >&2
    flock 9
fi

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
export HOME="$cache/home"
export PIP_DISABLE_PIP_VERSION_CHECK=1

"$python" "$ROOT/tests/ci/install_get_pip_standin.py" "$python"
"$python" "$ROOT/tests/ci/check_test_venvs.py" "$HOME/.ansible/test/venv"

"$venv/bin/ansible-test" --version
log="$work/ansible-test.log"
set +e
"$venv/bin/ansible-test" "$command" --venv --python "$pyver" --color no "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
if [ "$rc" -ne 0 ] && grep -Eq "No module named|pip is unavailable|does not have pip available|bad interpreter" "$log"; then
    echo "ansible_test.sh: the failure looks like a broken cached venv; removing $HOME/.ansible/test/venv and running once more" >&2
    rm -rf "$HOME/.ansible/test/venv"
    "$venv/bin/ansible-test" "$command" --venv --python "$pyver" --color no "$@"
    exit $?
fi
exit "$rc"
