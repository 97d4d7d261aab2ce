#!/usr/bin/env bash
# Run a command against a freshly started local Gcore API sandbox.
#
#   tests/ci/with_sandbox.sh COMMAND [ARGS...]
#
# Starts tests/sandbox/gcore_sandbox.py on a free loopback port (--port 0 with a port
# file), exports GCORE_BASE_URL and GCORE_API_KEY for COMMAND, runs it, and always stops
# the sandbox afterwards (also on failure or interrupt). Exits with COMMAND's status.
#
# Environment:
#   SANDBOX_PYTHON   interpreter for the sandbox (default: .venv/bin/python, else python3)
#   GCORE_API_KEY    API key the sandbox accepts (default: a fixed test key)
#   SANDBOX_TIMEOUT  seconds to wait for the sandbox to come up (default: 20)
set -euo pipefail

if [ "$#" -eq 0 ]; then
    echo "usage: $0 COMMAND [ARGS...]" >&2
    exit 2
fi

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SANDBOX="$ROOT/tests/sandbox/gcore_sandbox.py"
if [ ! -f "$SANDBOX" ]; then
    echo "with_sandbox.sh: $SANDBOX does not exist" >&2
    exit 1
fi

if [ -z "${SANDBOX_PYTHON:-}" ]; then
    if [ -x "$ROOT/.venv/bin/python" ]; then
        SANDBOX_PYTHON="$ROOT/.venv/bin/python"
    else
        SANDBOX_PYTHON="python3"
    fi
fi

export GCORE_API_KEY="${GCORE_API_KEY:-ci-sandbox-key}"
timeout_s="${SANDBOX_TIMEOUT:-20}"

workdir="$(mktemp -d "${TMPDIR:-/tmp}/gcore-sandbox.XXXXXX")"
port_file="$workdir/port"
log_file="$workdir/sandbox.log"
sandbox_pid=""

# shellcheck disable=SC2329  # invoked by the EXIT trap
cleanup() {
    local status=$?
    if [ -n "$sandbox_pid" ] && kill -0 "$sandbox_pid" 2>/dev/null; then
        kill "$sandbox_pid" 2>/dev/null || true
        for _ in $(seq 1 50); do
            kill -0 "$sandbox_pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$sandbox_pid" 2>/dev/null || true
        wait "$sandbox_pid" 2>/dev/null || true
    fi
    if [ "$status" -ne 0 ] && [ -s "$log_file" ]; then
        echo "---- sandbox log ($log_file) ----" >&2
        tail -n 50 "$log_file" >&2 || true
        echo "---- end of sandbox log ----" >&2
    fi
    rm -rf "$workdir"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$SANDBOX_PYTHON" "$SANDBOX" --port 0 --port-file "$port_file" --api-key "$GCORE_API_KEY" \
    >"$log_file" 2>&1 </dev/null &
sandbox_pid=$!

url=""
deadline=$(( $(date +%s) + timeout_s ))
while :; do
    if line="$(grep -m1 '^SANDBOX_URL=' "$log_file" 2>/dev/null)"; then
        url="${line#SANDBOX_URL=}"
        break
    fi
    if ! kill -0 "$sandbox_pid" 2>/dev/null; then
        echo "with_sandbox.sh: the sandbox exited before it was ready" >&2
        exit 1
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
        if [ -s "$port_file" ]; then
            # Fall back to the port file if the URL line never appeared.
            url="http://127.0.0.1:$(tr -d '[:space:]' <"$port_file")"
            break
        fi
        echo "with_sandbox.sh: the sandbox did not come up within ${timeout_s}s" >&2
        exit 1
    fi
    sleep 0.1
done

export GCORE_BASE_URL="$url"
echo "with_sandbox.sh: sandbox at $GCORE_BASE_URL (pid $sandbox_pid)" >&2

set +e
"$@"
rc=$?
set -e
exit "$rc"
