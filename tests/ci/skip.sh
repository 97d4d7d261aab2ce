#!/usr/bin/env bash
# Mark the current gate as skipped: tests/ci/skip.sh "reason".
# Prints the reason; under tests/ci/run_gates.sh also records it so the summary says SKIP.
set -eu
echo "SKIP: $*"
if [ -n "${CI_GATE_SKIP_FILE:-}" ]; then
    printf '%s\n' "$*" >"$CI_GATE_SKIP_FILE"
fi
